import { describe, expect, it } from "vitest";
import { dayText, epochDayOf, timestampText } from "../../src/clock";
import { rowRandom } from "../../src/random";

describe("dayText", () => {
  it("prints the right day for more days than its cache holds, before and after it is emptied", () => {
    // Day 0 is 1970-01-01; 100,002 distinct days overflow the 100,000-day cache once.
    const days = Array.from({ length: 100_002 }, (_, i) => i);

    const texts = days.map(dayText);

    expect(texts[0]).toBe("1970-01-01");
    expect(texts.at(-1)).toBe(new Date(100_001 * 86_400_000).toISOString().slice(0, 10));
    expect(dayText(0)).toBe("1970-01-01");
    expect(epochDayOf(dayText(19_723))).toBe(19_723);
  });

  it("prints timestamps with milliseconds, as totesys stores them", () => {
    expect(timestampText(Date.UTC(2024, 0, 2, 3, 4, 5, 6))).toBe("2024-01-02 03:04:05.006");
  });
});

describe("Random.pick", () => {
  it("picks only items of the list, the same ones for the same seed", () => {
    const items = ["a", "b", "c"] as const;

    const first = Array.from({ length: 50 }, (_, i) => rowRandom(7, 1, i).pick(items));
    const again = Array.from({ length: 50 }, (_, i) => rowRandom(7, 1, i).pick(items));

    expect(new Set(first)).toEqual(new Set(items));
    expect(again).toEqual(first);
  });

  it("refuses an empty list rather than give undefined", () => {
    expect(() => rowRandom(7, 1, 1).pick([])).toThrow("pick from an empty list");
  });
});
