/**
 * Timestamps as totesys stores them (`timestamp without time zone`), handled as milliseconds on
 * a UTC time line and printed as `YYYY-MM-DD HH:MM:SS.mmm`: the real data has millisecond values.
 */

export const MS_PER_DAY = 86_400_000;
export const MS_PER_HOUR = 3_600_000;

const pad2 = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, "0"));
const pad3 = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, "0"));
const dayCache = new Map<number, string>();

/** `YYYY-MM-DD` of an epoch day. */
export function dayText(epochDay: number): string {
  let text = dayCache.get(epochDay);
  if (text === undefined) {
    text = new Date(epochDay * MS_PER_DAY).toISOString().slice(0, 10);
    if (dayCache.size > 100_000) dayCache.clear();
    dayCache.set(epochDay, text);
  }
  return text;
}

/** `YYYY-MM-DD HH:MM:SS.mmm` of an epoch millisecond. */
export function timestampText(ms: number): string {
  const day = Math.floor(ms / MS_PER_DAY);
  let rest = ms - day * MS_PER_DAY;
  const hours = Math.floor(rest / MS_PER_HOUR);
  rest -= hours * MS_PER_HOUR;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1000);
  const millis = rest - seconds * 1000;
  return `${dayText(day)} ${pad2[hours]}:${pad2[minutes]}:${pad2[seconds]}.${pad3[millis]}`;
}

/** The epoch day of `YYYY-MM-DD`. */
export function epochDayOf(date: string): number {
  return Math.floor(Date.parse(`${date}T00:00:00Z`) / MS_PER_DAY);
}

/** True on Monday to Friday. */
export function isWeekday(epochDay: number): boolean {
  // 1970-01-01 was a Thursday: day 0 is weekday index 3 (Monday 0).
  const monday0 = (((epochDay + 3) % 7) + 7) % 7;
  return monday0 < 5;
}
