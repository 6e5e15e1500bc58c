import { DataError } from "@etl/schemas";

export type ParquetColumnType = "int32" | "int64" | "utf8" | "date" | "decimal" | "bool" | "timestamp_us";

/**
 * One column of a Parquet file, as the writer types it and the reader decodes it.
 *
 * Values: `int32` a number; `int64` a safe-integer number, a bigint or a string of digits; `utf8`
 * a string; `date` a `YYYY-MM-DD` string; `decimal` an exact string such as `"-12.50"` (never a
 * float), converted to the scaled integer without floating point; `bool` a boolean;
 * `timestamp_us` a `YYYY-MM-DD[T ]HH:MM:SS[.ffffff]` string (microseconds; never nanoseconds).
 * `null` (or a missing property) only where `nullable`.
 */
export interface ParquetColumn {
  name: string;
  type: ParquetColumnType;
  /** Total digits of a `decimal` (1 to 38). */
  precision?: number;
  /** Digits after the point of a `decimal` (0 to precision). */
  scale?: number;
  nullable: boolean;
  /** `timestamp_us` only: the values are UTC instants (`isAdjustedToUTC`); default false (local time). */
  utc?: boolean;
}

/** A row as the reader returns it: the writer's input types (dates and decimals as strings). */
export type ParquetValue = string | number | bigint | boolean | null;
export type ParquetRow = Record<string, ParquetValue>;

const MS_PER_DAY = 86_400_000;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(Z|[+-]00(?::?00)?)?$/;
const DECIMAL = /^([+-])?(\d*)(?:\.(\d*))?$/;

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** `YYYY-MM-DD` to days since 1970-01-01; undefined when it is not a real calendar date. */
export function dateToDays(text: string): number | undefined {
  const match = DATE.exec(text);
  if (!match) return undefined;
  const [, y, m, d] = match;
  // setUTCFullYear, not Date.UTC, which reads years 0 to 99 as 1900 to 1999.
  const check = new Date(0);
  check.setUTCFullYear(Number(y), Number(m) - 1, Number(d));
  if (check.getUTCDate() !== Number(d) || check.getUTCMonth() !== Number(m) - 1) return undefined;
  return check.getTime() / MS_PER_DAY;
}

/** Days since 1970-01-01 to `YYYY-MM-DD`. */
export function daysToDate(days: number): string {
  const d = new Date(days * MS_PER_DAY);
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** A timestamp text to microseconds since the epoch, exactly; undefined when malformed. */
export function timestampToMicros(text: string): bigint | undefined {
  const match = TIMESTAMP.exec(text);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s, fraction = ""] = match;
  const days = dateToDays(`${y}-${mo}-${d}`);
  if (days === undefined || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return undefined;
  const seconds = days * 86_400 + Number(h) * 3600 + Number(mi) * 60 + Number(s);
  return BigInt(seconds) * 1_000_000n + BigInt(fraction.padEnd(6, "0"));
}

/** Microseconds since the epoch to `YYYY-MM-DDTHH:MM:SS.ffffff` (with `Z` when `utc`). */
export function microsToTimestamp(micros: bigint, utc = false): string {
  let seconds = micros / 1_000_000n;
  let fraction = micros % 1_000_000n;
  if (fraction < 0n) {
    fraction += 1_000_000n;
    seconds -= 1n;
  }
  const d = new Date(Number(seconds) * 1000);
  const date = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  return `${date}T${time}.${String(fraction).padStart(6, "0")}${utc ? "Z" : ""}`;
}

/**
 * An exact decimal string to its unscaled integer at `scale` (`"-12.5"` at scale 2 is `-1250n`),
 * without floating point. Extra fraction digits are accepted only when they are zeros: a value is
 * never rounded. Undefined when malformed or when it needs more than `precision` digits.
 */
export function decimalToUnscaled(text: string, precision: number, scale: number): bigint | undefined {
  const match = DECIMAL.exec(text);
  if (!match) return undefined;
  const [, sign = "", whole = "", fraction = ""] = match;
  if (whole === "" && fraction === "") return undefined;
  const kept = fraction.slice(0, scale);
  if (/[^0]/.test(fraction.slice(scale))) return undefined;
  const digits = (whole + kept.padEnd(scale, "0")).replace(/^0+(?=\d)/, "");
  if (digits.length > precision) return undefined;
  const unscaled = BigInt(digits === "" ? "0" : digits);
  return sign === "-" ? -unscaled : unscaled;
}

/** An unscaled integer back to its exact string at `scale` (`-1250n`, 2 is `"-12.50"`). */
export function unscaledToDecimal(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, "0");
  const whole = digits.slice(0, digits.length - scale);
  const text = scale === 0 ? whole : `${whole}.${digits.slice(digits.length - scale)}`;
  return negative ? `-${text}` : text;
}

/** The precision and scale of a decimal column, checked. */
export function decimalShape(column: ParquetColumn): { precision: number; scale: number } {
  const { precision, scale = 0 } = column;
  if (
    precision === undefined ||
    !Number.isInteger(precision) ||
    precision < 1 ||
    precision > 38 ||
    !Number.isInteger(scale) ||
    scale < 0 ||
    scale > precision
  ) {
    throw new DataError(
      `column ${column.name}: decimal needs 1 <= precision <= 38 and 0 <= scale <= precision`,
    );
  }
  return { precision, scale };
}
