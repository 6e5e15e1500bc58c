import { describe, expect, it } from "vitest";
import { IdSet } from "./id-set";

/** Ids the set says are repeats, adding them in order. */
function repeats(ids: readonly number[]): number[] {
  const set = new IdSet();
  return ids.filter((id) => !set.add(id));
}

describe("IdSet", () => {
  it.each([
    ["serial ids", Array.from({ length: 200_000 }, (_, i) => i + 1), []],
    ["serial ids and one repeat", [...Array.from({ length: 1000 }, (_, i) => i + 1), 500], [500]],
    [
      "ids around page edges",
      [65_535, 65_536, 65_537, 131_072, 65_536, 1, 2_147_483_647, 2_147_483_647],
      [65_536, 2_147_483_647],
    ],
    [
      "ids that are not positive 32-bit integers",
      [0, -1, 0, 2 ** 31, 2 ** 31, 1.5, 1.5, -1],
      [0, 2 ** 31, 1.5, -1],
    ],
  ])("finds the repeats among %s", (_name, ids, expected) => {
    expect(repeats(ids)).toEqual(expected);
  });

  it("keeps every id when ids are too scattered for pages and it falls back to a Set", () => {
    const scattered = Array.from({ length: 3000 }, (_, i) => i * 65_536 + 7);
    const set = new IdSet();
    for (const id of scattered) set.add(id);

    const again = scattered.map((id) => set.add(id));
    const fresh = [8, 65_536 * 2999 + 8, 65_536 * 5000].map((id) => set.add(id));

    expect(again.every((added) => !added)).toBe(true);
    expect(fresh).toEqual([true, true, true]);
  });
});
