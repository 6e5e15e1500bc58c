import { afterEach, describe, expect, it } from "vitest";
import { createTree, type Tree } from "./tree";

let tree: Tree | undefined;
afterEach(() => tree?.remove());

const lines = (count: number, first = "export const a = 1;") =>
  `${[first, ...Array.from({ length: count - 1 }, (_, i) => `export const v${i} = ${i};`)].join("\n")}\n`;

describe("file size check", () => {
  it("accepts a source file of exactly 300 lines and a long test file", () => {
    tree = createTree({ "packages/db/src/a.ts": lines(300), "packages/db/src/a.test.ts": lines(900) });

    const result = tree.check("file-size.mjs");

    expect(result.status).toBe(0);
  });

  it("rejects a source file of 301 lines, naming it", () => {
    tree = createTree({ "apps/load/src/big.ts": lines(301) });

    const result = tree.check("file-size.mjs");

    expect(result.status).toBe(1);
    expect(result.stderr).toContain("apps/load/src/big.ts: 301 lines, over 300");
  });

  it("accepts a long pure data table that says so on its first line", () => {
    tree = createTree({ "packages/synthetic/src/names.ts": lines(500, "// data table: first names") });

    const result = tree.check("file-size.mjs");

    expect(result.status).toBe(0);
  });

  it("refuses a data table marker without a reason", () => {
    tree = createTree({ "packages/synthetic/src/names.ts": lines(500, "// data table:") });

    const result = tree.check("file-size.mjs");

    expect(result.status).toBe(1);
  });

  it("reports a file on the pending list without failing", () => {
    tree = createTree({
      "apps/load/src/big.ts": lines(400),
      "tools/file-size-pending.txt": "# being split\napps/load/src/big.ts\n",
    });

    const result = tree.check("file-size.mjs");

    expect(result.status).toBe(0);
    expect(result.stdout).toContain("apps/load/src/big.ts (400 lines)");
  });
});
