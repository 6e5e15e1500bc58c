import { describe, expect, it } from "vitest";
import { DataError } from "../errors";
import { thrownBy } from "../testing";
import { toDimDate } from "./to-dim-date";

describe("toDimDate", () => {
  it.each([
    ["2024-01-01", 2024, 1, 1, 1, "Monday", "January", 1],
    ["2024-01-07", 2024, 1, 7, 7, "Sunday", "January", 1],
    ["2024-02-29", 2024, 2, 29, 4, "Thursday", "February", 1],
    ["2022-11-03", 2022, 11, 3, 4, "Thursday", "November", 4],
    ["2023-04-01", 2023, 4, 1, 6, "Saturday", "April", 2],
    ["2025-09-30", 2025, 9, 30, 2, "Tuesday", "September", 3],
    ["2026-12-31", 2026, 12, 31, 4, "Thursday", "December", 4],
    ["0099-06-15", 99, 6, 15, 1, "Monday", "June", 2],
  ])("%s", (date, year, month, day, dayOfWeek, dayName, monthName, quarter) => {
    const [row] = toDimDate([date]);

    expect(row).toEqual({
      date_id: date,
      year,
      month,
      day,
      day_of_week: dayOfWeek,
      day_name: dayName,
      month_name: monthName,
      quarter,
    });
  });

  it("gives one row per distinct date, sorted, from any iterable", () => {
    function* dates() {
      yield "2024-03-02";
      yield "2024-03-01";
      yield "2024-03-02";
    }

    const rows = toDimDate(dates());

    expect(rows.map((r) => r.date_id)).toEqual(["2024-03-01", "2024-03-02"]);
  });

  it("names every string that is not a calendar date", () => {
    const error = thrownBy(() => toDimDate(["2024-01-01", "2023-02-29", "2024-1-5", "2024-01-01"]));

    expect(error).toBeInstanceOf(DataError);
    expect(error).toMatchObject({
      code: "BAD_DATE",
      message: 'dim_date: not a calendar date YYYY-MM-DD: "2023-02-29", "2024-1-5"',
    });
  });
});
