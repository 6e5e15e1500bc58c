import { daysFromCivil, daysToDate } from "@etl/schemas";

/** Day 0 of the set: 0000-01-01, as days since 1970-01-01. */
const FIRST_DAY = daysFromCivil(0, 1, 1);
/** Days from 0000-01-01 to 9999-12-31. */
const DAY_COUNT = daysFromCivil(9999, 12, 31) - FIRST_DAY + 1;

/**
 * The distinct dates of a run, as a bitmap of days: a fact table holds several dates per row, so
 * this is on the per-row path, and setting a byte costs far less than hashing a new string.
 * Values are formatter output, already checked calendar dates (years 0000 to 9999).
 */
export class DateSet {
  /** One byte per day from 0000-01-01 to 9999-12-31: 3.7 MB, allocated on the first date. */
  #days: Uint8Array | undefined;
  #size = 0;

  /** Adds a `YYYY-MM-DD` date. */
  add(date: string): void {
    const year =
      (date.charCodeAt(0) - 48) * 1000 +
      (date.charCodeAt(1) - 48) * 100 +
      (date.charCodeAt(2) - 48) * 10 +
      (date.charCodeAt(3) - 48);
    const month = (date.charCodeAt(5) - 48) * 10 + (date.charCodeAt(6) - 48);
    const day = (date.charCodeAt(8) - 48) * 10 + (date.charCodeAt(9) - 48);
    this.addDays(daysFromCivil(year, month, day));
  }

  /** Adds a date given as days since 1970-01-01 (a Parquet `DATE`). */
  addDays(days: number): void {
    const index = days - FIRST_DAY;
    if (!(index >= 0 && index < DAY_COUNT)) throw new RangeError(`day ${days} is outside years 0000 to 9999`);
    this.#days ??= new Uint8Array(DAY_COUNT);
    if (this.#days[index] === 0) {
      this.#days[index] = 1;
      this.#size += 1;
    }
  }

  get size(): number {
    return this.#size;
  }

  /** The dates as `YYYY-MM-DD`, in order. */
  values(): string[] {
    const dates: string[] = [];
    const days = this.#days;
    if (days === undefined) return dates;
    for (let index = days.indexOf(1); index >= 0; index = days.indexOf(1, index + 1)) {
      dates.push(daysToDate(index + FIRST_DAY));
    }
    return dates;
  }
}
