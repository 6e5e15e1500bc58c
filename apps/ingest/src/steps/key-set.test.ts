import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { describe, expect, it } from "vitest";
import { decodeKeySet, deletedKeys, encodeKeySet, KeyCollector } from "./key-set";

async function collect(chunks: string[]): Promise<Float64Array> {
  const collector = new KeyCollector();
  await pipeline(Readable.from(chunks.map((c) => Buffer.from(c))), collector);
  return collector.keys();
}

describe("KeyCollector", () => {
  it("parses one decimal key per line, across chunk boundaries", async () => {
    expect([...(await collect(["1\n2", "3\n4", "56\n", "9007199254740991\n"]))]).toEqual([
      1, 23, 456, 9007199254740991,
    ]);
  });

  it("grows past its first capacity", async () => {
    const lines = Array.from({ length: 5000 }, (_, i) => `${i * 3}\n`).join("");

    const keys = await collect([lines]);

    expect(keys.length).toBe(5000);
    expect(keys[4999]).toBe(14997);
  });

  it("sorts keys that arrive in table order", async () => {
    expect([...(await collect(["30\n2\n1000\n1\n"]))]).toEqual([1, 2, 30, 1000]);
  });

  it("refuses a key that arrives twice, which would make the comparison wrong", async () => {
    await expect(collect(["2\n1\n2\n"])).rejects.toThrow(/twice/);
  });

  it("refuses a line that is not a non-negative integer", async () => {
    await expect(collect(["1\nx\n"])).rejects.toThrow(/not an integer key/);
  });
});

describe("encodeKeySet / decodeKeySet", () => {
  it.each([
    ["empty", []],
    ["one", [7]],
    ["dense", Array.from({ length: 1000 }, (_, i) => i + 1)],
    ["sparse and large", [0, 127, 128, 16383, 16384, 2 ** 31, 2 ** 53 - 1]],
  ])("round-trips %s", (_name, keys) => {
    const set = Float64Array.from(keys);

    expect([...decodeKeySet(encodeKeySet(set))]).toEqual(keys);
  });

  it("keeps a dense million keys in a few kilobytes", () => {
    const set = Float64Array.from({ length: 1_000_000 }, (_, i) => i + 1);

    expect(encodeKeySet(set).length).toBeLessThan(20_000);
  });

  it("refuses bytes that are not a key set", () => {
    expect(() => decodeKeySet(Buffer.from("not gzip"))).toThrow();
  });
});

describe("deletedKeys", () => {
  it.each([
    ["nothing before", [], [1, 2], []],
    ["nothing deleted, rows added", [1, 2], [1, 2, 3], []],
    ["first, middle and last deleted", [1, 2, 3, 4, 5], [2, 4], [1, 3, 5]],
    ["everything deleted", [1, 2], [], [1, 2]],
    ["deleted and added in one run", [1, 3, 5], [2, 3, 6], [1, 5]],
  ])("%s", (_name, previous, current, deleted) => {
    expect(deletedKeys(Float64Array.from(previous), Float64Array.from(current))).toEqual(deleted);
  });
});
