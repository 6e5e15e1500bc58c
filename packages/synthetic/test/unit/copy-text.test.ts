import { describe, expect, it } from "vitest";
import { copyChunks, copyLine } from "../../src/copy-text";

describe("COPY text encoding", () => {
  it.each([
    [[1, "a", null, true, false], "1\ta\t\\N\tt\tf\n"],
    [[0, 1234567890], "0\t1234567890\n"],
    [["tab\there", "new\nline", "back\\slash", "cr\rx"], "tab\\there\tnew\\nline\tback\\\\slash\tcr\\rx\n"],
    [["Bolívar Soberano", "ok"], "Bolívar Soberano\tok\n"],
    [["3.50", -4, 2.5], "3.50\t-4\t2.5\n"],
    [["", null], "\t\\N\n"],
  ])("encodes %j", (row, line) => {
    expect(copyLine(row)).toBe(line);
  });

  it("batches rows into chunks without splitting a row, and counts them", () => {
    const rows = Array.from({ length: 1000 }, (_, i) => [i, "x".repeat(50)]);
    let counted = 0;

    const chunks = [...copyChunks(rows, (n) => (counted += n), 4096)];

    expect(chunks.length).toBeGreaterThan(10);
    expect(chunks.every((c) => c.at(-1) === 10)).toBe(true);
    expect(Buffer.concat(chunks).toString().split("\n")).toHaveLength(1001);
    expect(counted).toBe(1000);
  });

  it("grows the buffer for a row longer than a chunk", () => {
    const long = "é".repeat(10_000);

    const [chunk] = [...copyChunks([[long]], () => {}, 1024)];

    expect(chunk?.toString()).toBe(`${long}\n`);
  });
});
