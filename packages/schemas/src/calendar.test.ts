import { describe, expect, it } from "vitest";
import { civilFromDays, dateToDays, daysFromCivil, daysToDate, isCalendarDate } from "./calendar";

const MS_PER_DAY = 86_400_000;

/** The same date by `Date` (setUTCFullYear, which reads years 0 to 99 as they are). */
function byDate(year: number, month: number, day: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  return d.getTime() / MS_PER_DAY;
}

describe("calendar", () => {
  it("agrees with Date on every first, last and leap day from year 0000 to 9999, both ways", () => {
    for (let year = 0; year <= 9999; year++) {
      for (const [month, day] of [
        [1, 1],
        [2, 28],
        [3, 1],
        [12, 31],
      ] as const) {
        const days = byDate(year, month, day);

        expect(daysFromCivil(year, month, day)).toBe(days);
        expect(civilFromDays(days)).toEqual({ year, month, day });
      }
      const leap = byDate(year, 2, 29) !== byDate(year, 3, 1);
      expect(isCalendarDate(year, 2, 29)).toBe(leap);
    }
  });

  it.each([
    ["1970-01-01", 0],
    ["0000-01-01", -719_528],
    ["2024-02-29", 19_782],
    ["9999-12-31", 2_932_896],
  ])("reads and writes %s as day %i", (text, days) => {
    expect(dateToDays(text)).toBe(days);
    expect(daysToDate(days)).toBe(text);
  });

  it.each(["2023-02-29", "2024-13-01", "2024-04-31", "2024-00-10", "24-01-01", "2024-1-01"])(
    "refuses %s",
    (text) => {
      expect(dateToDays(text)).toBeUndefined();
    },
  );
});
