import type { ColumnType } from "@etl/schemas";
import { DataError, daysToDate, unscaledFromBigEndian, unscaledToDecimal } from "@etl/schemas";
import { CopyChunks, type CopyColumn, columnCodes } from "./copy-chunks";

/**
 * Encodes column vectors into PostgreSQL's COPY text format (tab-separated, `\N` for NULL,
 * backslash escapes), straight into byte buffers: no string per row, no promise per row.
 *
 * Values arrive as the Parquet decoder leaves them with the logical annotations stripped: `date`
 * as days since 1970-01-01, `decimal` as the unscaled integer (a number, a bigint or big-endian
 * bytes) so money never passes through a float, `time`, `timestamp` and `text` as strings.
 */

const TAB = 9;
const NEWLINE = 10;
const BACKSLASH = 92;

/** Kinds as small integers, so the hot loop switches on a number instead of calling closures. */
const KIND: Record<ColumnType, number> = {
  int: 0,
  bigint: 1,
  text: 2,
  time: 2,
  timestamp: 2,
  date: 3,
  decimal: 4,
  boolean: 5,
};

export type { CopyColumn } from "./copy-chunks";

/** `YYYY-MM-DD` of days since the epoch (calendar arithmetic lives in @etl/schemas). */
export const daysToIsoDate = daysToDate;

/** The unscaled integer `unscaled` at `scale` as an exact decimal string: (-1234, 2) -> "-12.34". */
export function unscaledToDecimalText(unscaled: number | bigint | Uint8Array, scale: number): string {
  return unscaledToDecimal(
    unscaled instanceof Uint8Array ? unscaledFromBigEndian(unscaled) : unscaled,
    scale,
  );
}

/** Writes COPY text into fixed-size buffers (see `CopyChunks`). */
export class CopyTextWriter extends CopyChunks {
  private readonly dates = new Map<number, string>();

  constructor(chunkSize = 1 << 20) {
    super(chunkSize);
  }

  private ascii(text: string): void {
    const n = text.length;
    this.ensure(n);
    const b = this.buffer;
    let p = this.position;
    for (let i = 0; i < n; i++) b[p++] = text.charCodeAt(i);
    this.position = p;
  }

  /** Text with the COPY escapes (backslash, newline, carriage return, tab); UTF-8 for the rest. */
  private text(value: string): void {
    const n = value.length;
    this.ensure(n * 2);
    const b = this.buffer;
    let p = this.position;
    for (let i = 0; i < n; i++) {
      const c = value.charCodeAt(i);
      if (c >= 0x80) {
        this.position = p;
        this.utf8Tail(value.slice(i));
        return;
      }
      if (c === BACKSLASH) {
        b[p++] = BACKSLASH;
        b[p++] = BACKSLASH;
      } else if (c === NEWLINE) {
        b[p++] = BACKSLASH;
        b[p++] = 110; // n
      } else if (c === 13) {
        b[p++] = BACKSLASH;
        b[p++] = 114; // r
      } else if (c === TAB) {
        b[p++] = BACKSLASH;
        b[p++] = 116; // t
      } else {
        b[p++] = c;
      }
    }
    this.position = p;
  }

  private utf8Tail(rest: string): void {
    const escaped = rest.replace(/[\\\n\r\t]/g, (c) =>
      c === "\\" ? "\\\\" : c === "\n" ? "\\n" : c === "\r" ? "\\r" : "\\t",
    );
    const bytes = Buffer.byteLength(escaped, "utf8");
    this.ensure(bytes);
    this.position += this.buffer.write(escaped, this.position, "utf8");
  }

  /** An integer, digit by digit for the common 32-bit case. */
  private integer(value: number): void {
    if (!Number.isInteger(value)) {
      throw new DataError(`expected an integer, found ${value}`, { code: "BAD_VALUE" });
    }
    if (value < -2147483648 || value > 2147483647) {
      this.ascii(String(value));
      return;
    }
    this.ensure(11);
    const b = this.buffer;
    let p = this.position;
    let v = value;
    if (v < 0) {
      b[p++] = 45; // -
      v = -v;
    }
    if (v < 10) {
      b[p++] = 48 + v;
    } else {
      let digits = 0;
      for (let t = v; t > 0; t = Math.floor(t / 10)) digits++;
      let end = p + digits;
      p = end;
      while (v > 0) {
        const q = Math.floor(v / 10);
        b[--end] = 48 + (v - q * 10);
        v = q;
      }
    }
    this.position = p;
  }

  private date(days: number): void {
    let text = this.dates.get(days);
    if (text === undefined) {
      text = daysToIsoDate(days);
      this.dates.set(days, text);
    }
    this.ascii(text);
  }

  /** Appends one line of untyped values: integers, booleans, text, NULL (a seed script's rows). */
  values(row: readonly unknown[]): void {
    for (let c = 0; c < row.length; c++) {
      const value = row[c];
      this.ensure(3);
      if (c > 0) this.buffer[this.position++] = TAB;
      if (value === null || value === undefined) {
        this.buffer[this.position++] = BACKSLASH;
        this.buffer[this.position++] = 78; // N
      } else if (typeof value === "boolean")
        this.buffer[this.position++] = value ? 116 : 102; // t / f
      else if (typeof value === "number" && Number.isInteger(value)) this.integer(value);
      else this.text(String(value));
    }
    this.ensure(1);
    this.buffer[this.position++] = NEWLINE;
  }

  /**
   * Appends rows `[from, to)` of the column vectors (one array per column, in `columns` order),
   * one line per row.
   */
  rows(
    columns: readonly CopyColumn[],
    vectors: readonly ArrayLike<unknown>[],
    from: number,
    to: number,
  ): void {
    const count = columns.length;
    const { kinds, scales } = columnCodes(columns, KIND);
    for (let r = from; r < to; r++) {
      for (let c = 0; c < count; c++) {
        if (c > 0) {
          this.ensure(1);
          this.buffer[this.position++] = TAB;
        }
        const value = vectors[c]?.[r];
        if (value === null || value === undefined) {
          this.ensure(2);
          this.buffer[this.position++] = BACKSLASH;
          this.buffer[this.position++] = 78; // N
          continue;
        }
        switch (kinds[c]) {
          case 0:
            if (typeof value === "number") this.integer(value);
            else this.ascii(String(value));
            break;
          case 1:
            if (typeof value === "number") this.integer(value);
            else if (typeof value === "bigint") this.ascii(value.toString());
            else this.ascii(String(Number(value)));
            break;
          case 2:
            this.text(typeof value === "string" ? value : String(value));
            break;
          case 3:
            if (typeof value === "number") this.date(value);
            else this.text(String(value));
            break;
          case 4:
            this.ascii(
              typeof value === "number" || typeof value === "bigint" || value instanceof Uint8Array
                ? unscaledToDecimalText(value, scales[c] ?? 0)
                : String(value),
            );
            break;
          default:
            if (typeof value !== "boolean") {
              throw new DataError(`expected a boolean, found ${String(value)}`, { code: "BAD_VALUE" });
            }
            this.ensure(1);
            this.buffer[this.position++] = value ? 116 : 102; // t / f
        }
      }
      this.ensure(1);
      this.buffer[this.position++] = NEWLINE;
    }
  }
}
