import { DataError, dateToDays, daysToDate } from "@etl/schemas";

// Calendar and decimal arithmetic live in @etl/schemas; the Parquet codecs' callers keep reaching
// them here, beside the column types they serve.
export {
  dateToDays,
  daysToDate,
  decimalToUnscaled,
  unscaledFromBigEndian,
  unscaledToDecimal,
} from "@etl/schemas";

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

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(Z|[+-]00(?::?00)?)?$/;

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

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
  const all = Number(seconds);
  const days = Math.floor(all / 86_400);
  const inDay = all - days * 86_400;
  const date = daysToDate(days);
  const time = `${pad(Math.floor(inDay / 3600))}:${pad(Math.floor(inDay / 60) % 60)}:${pad(inDay % 60)}`;
  return `${date}T${time}.${String(fraction).padStart(6, "0")}${utc ? "Z" : ""}`;
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
