import { describe, expect, it } from "vitest";
import { DateSet } from "./date-set";

describe("DateSet", () => {
  it("keeps each date once and gives them back in order as YYYY-MM-DD", () => {
    const dates = new DateSet();

    for (const date of ["2024-02-29", "0999-01-01", "2023-12-31", "2024-02-29"]) dates.add(date);

    expect(dates.size).toBe(3);
    expect(dates.values()).toEqual(["0999-01-01", "2023-12-31", "2024-02-29"]);
  });

  it("takes days since 1970-01-01 as the same dates, from year 0000 to 9999", () => {
    const dates = new DateSet();

    for (const days of [0, -1, 19_782, -719_528, 2_932_896, 0]) dates.addDays(days);
    dates.add("1970-01-01");

    expect(dates.values()).toEqual(["0000-01-01", "1969-12-31", "1970-01-01", "2024-02-29", "9999-12-31"]);
    expect(() => dates.addDays(2_932_897)).toThrow(RangeError);
  });
});
