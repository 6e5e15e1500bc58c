import { isCalendarDate } from "../calendar";
import { DataError } from "../errors";
import { DAY_NAMES, type DimDate, MONTH_NAMES } from "../star";
import { listIds } from "./values";

/**
 * `dim_date`: one row per distinct `YYYY-MM-DD` string in `dates` (any iterable: a fact
 * column, a set, a generator), sorted by date. `day_of_week` is ISO (Monday 1 .. Sunday 7);
 * day and month names are English whatever the process locale, computed in UTC so the host's
 * time zone cannot shift a day. A string that is not a calendar date is a data error naming it.
 *
 * @example
 * toDimDate(["2024-01-01"]) // [{ date_id: "2024-01-01", day_of_week: 1, day_name: "Monday", quarter: 1, ... }]
 */
export function toDimDate(dates: Iterable<string>): DimDate[] {
  const distinct = new Set(dates);
  const bad: string[] = [];
  const rows: DimDate[] = [];
  for (const date of distinct) {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
    const year = Number(m?.[1]);
    const month = Number(m?.[2]);
    const day = Number(m?.[3]);
    if (!m || !isCalendarDate(year, month, day)) {
      bad.push(JSON.stringify(date));
      continue;
    }
    const utc = new Date(0);
    utc.setUTCFullYear(year, month - 1, day);
    const isoDay = ((utc.getUTCDay() + 6) % 7) + 1;
    rows.push({
      date_id: date,
      year,
      month,
      day,
      day_of_week: isoDay,
      day_name: DAY_NAMES[isoDay - 1] ?? "Monday",
      month_name: MONTH_NAMES[month - 1] ?? "January",
      quarter: Math.floor((month - 1) / 3) + 1,
    });
  }
  if (bad.length > 0) {
    throw new DataError(`dim_date: not a calendar date YYYY-MM-DD: ${listIds(bad)}`, { code: "BAD_DATE" });
  }
  return rows.sort((a, b) => (a.date_id < b.date_id ? -1 : a.date_id > b.date_id ? 1 : 0));
}
