import { DataError } from "@etl/schemas";
import {
  dateToDays,
  decimalShape,
  decimalToUnscaled,
  type ParquetColumn,
  timestampToMicros,
} from "./columns";

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const TWO_32 = 2 ** 32;

const EMPTY_INT32 = new Int32Array(0);
const EMPTY_INT64 = new BigInt64Array(0);
const EMPTY_WORDS = new Uint32Array(0);
const EMPTY_BYTES = new Uint8Array(0);

/** A value that does not fit its column, named by column and (1-based) row. */
export function badParquetValue(column: ParquetColumn, row: number, problem: string): DataError {
  return new DataError(`column ${column.name} row ${row + 1}: ${problem}`, { code: "BAD_PARQUET_VALUE" });
}

function describe(value: unknown): string {
  const text = typeof value === "string" ? JSON.stringify(value) : String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function toInt64(column: ParquetColumn, row: number, value: unknown): bigint {
  if (typeof value === "bigint") {
    if (value >= INT64_MIN && value <= INT64_MAX) return value;
  } else if (typeof value === "number") {
    if (Number.isSafeInteger(value)) return BigInt(value);
  } else if (typeof value === "string" && /^[+-]?\d{1,19}$/.test(value)) {
    const n = BigInt(value);
    if (n >= INT64_MIN && n <= INT64_MAX) return n;
  }
  throw badParquetValue(column, row, `${describe(value)} is not a 64-bit integer`);
}

function grown<A extends Int32Array | BigInt64Array | Uint32Array | Uint8Array>(
  array: A,
  length: number,
  make: (n: number) => A,
): A {
  if (array.length >= length) return array;
  const next = make(length);
  next.set(array as never);
  return next;
}

/**
 * One Parquet column being built in the typed arrays Arrow takes as they are: row `i`'s value
 * goes at index `i`. `set` checks a value as `writeParquet` does; a caller that has already
 * checked its values (the transform's byte scanner) may write into the arrays directly:
 *
 * - `int32` and `date`: `ints[i]` (a date as days since 1970-01-01);
 * - `int64` and `timestamp_us`: `bigs[i]` (microseconds since the epoch);
 * - `decimal`: `words[4i..4i+3]`, the unscaled value as 128-bit two's complement, little-endian
 *   32-bit words (`setDecimal` writes a safe integer);
 * - `bool`: bit `i` of `bits`;
 * - `utf8`: the bytes at `bytes[offsets[i]..offsets[i + 1]]` (`reserveBytes` first);
 * - nullable columns: bit `i` of `validity` set for a value, clear for NULL.
 *
 * Every slot is written whatever its previous content, so a row written halfway and then written
 * again (a fast path that gave up) leaves no trace.
 */
export class ParquetColumnBuilder {
  readonly column: ParquetColumn;
  readonly precision: number;
  readonly scale: number;
  ints: Int32Array = EMPTY_INT32;
  bigs: BigInt64Array = EMPTY_INT64;
  words: Uint32Array = EMPTY_WORDS;
  bits: Uint8Array = EMPTY_BYTES;
  bytes: Buffer = Buffer.alloc(0);
  offsets: Int32Array = EMPTY_INT32;
  validity: Uint8Array = EMPTY_BYTES;

  constructor(column: ParquetColumn) {
    this.column = column;
    const shape = column.type === "decimal" ? decimalShape(column) : { precision: 0, scale: 0 };
    this.precision = shape.precision;
    this.scale = shape.scale;
    this.offsets = new Int32Array(1);
  }

  /** Room for `rows` values (kept values stay). */
  reserve(rows: number): void {
    const { type, nullable } = this.column;
    const bitBytes = (rows + 7) >> 3;
    if (nullable) this.validity = grown(this.validity, bitBytes, (n) => new Uint8Array(n));
    switch (type) {
      case "int32":
      case "date":
        this.ints = grown(this.ints, rows, (n) => new Int32Array(n));
        break;
      case "int64":
      case "timestamp_us":
        this.bigs = grown(this.bigs, rows, (n) => new BigInt64Array(n));
        break;
      case "decimal":
        this.words = grown(this.words, rows * 4, (n) => new Uint32Array(n));
        break;
      case "bool":
        this.bits = grown(this.bits, bitBytes, (n) => new Uint8Array(n));
        break;
      case "utf8":
        this.offsets = grown(this.offsets, rows + 1, (n) => new Int32Array(n));
        if (this.bytes.length === 0) this.bytes = Buffer.alloc(Math.max(64, rows * 16));
        break;
    }
  }

  /** Room for `extra` more bytes after value `row`'s start (utf8). */
  reserveBytes(row: number, extra: number): void {
    const needed = (this.offsets[row] ?? 0) + extra;
    if (needed > this.bytes.length) {
      const next = Buffer.alloc(Math.max(needed, this.bytes.length * 2));
      next.set(this.bytes);
      this.bytes = next;
    }
  }

  /** Writes a safe-integer unscaled decimal at `row` (a DECIMAL of any precision takes it). */
  setDecimal(row: number, unscaled: number): void {
    const words = this.words;
    const at = row * 4;
    if (unscaled >= 0 && unscaled < TWO_32) {
      words[at] = unscaled;
      words[at + 1] = 0;
      words[at + 2] = 0;
      words[at + 3] = 0;
    } else if (unscaled >= 0) {
      words[at] = unscaled % TWO_32;
      words[at + 1] = Math.floor(unscaled / TWO_32);
      words[at + 2] = 0;
      words[at + 3] = 0;
    } else {
      // Two's complement of the magnitude: invert, add one.
      const magnitude = -unscaled;
      const low = magnitude % TWO_32;
      const high = Math.floor(magnitude / TWO_32);
      if (low === 0) {
        words[at] = 0;
        words[at + 1] = (TWO_32 - high) % TWO_32;
        words[at + 2] = high === 0 ? 0 : 0xffffffff;
        words[at + 3] = high === 0 ? 0 : 0xffffffff;
      } else {
        words[at] = TWO_32 - low;
        words[at + 1] = 0xffffffff - high;
        words[at + 2] = 0xffffffff;
        words[at + 3] = 0xffffffff;
      }
    }
  }

  /** Marks `row` as holding a value (nullable columns). */
  setValid(row: number): void {
    const byte = row >> 3;
    this.validity[byte] = (this.validity[byte] ?? 0) | (1 << (row & 7));
  }

  /** Writes NULL at `row`: a clear validity bit and an empty slot. */
  setNull(row: number): void {
    const { column } = this;
    if (!column.nullable) throw badParquetValue(column, row, "NULL in a column that is not nullable");
    const byte = row >> 3;
    this.validity[byte] = (this.validity[byte] ?? 0) & ~(1 << (row & 7));
    switch (column.type) {
      case "int32":
      case "date":
        this.ints[row] = 0;
        break;
      case "int64":
      case "timestamp_us":
        this.bigs[row] = 0n;
        break;
      case "decimal":
        this.words.fill(0, row * 4, row * 4 + 4);
        break;
      case "bool":
        this.bits[byte] = (this.bits[byte] ?? 0) & ~(1 << (row & 7));
        break;
      case "utf8":
        this.offsets[row + 1] = this.offsets[row] ?? 0;
        break;
    }
  }

  /**
   * Writes `value` at `row`, checked as `writeParquet` checks it: a value that does not fit
   * throws a `DataError` naming column and row. `null` and `undefined` are NULL.
   */
  set(row: number, value: unknown): void {
    const { column } = this;
    if (value === null || value === undefined) {
      this.setNull(row);
      return;
    }
    switch (column.type) {
      case "int32":
        if (typeof value !== "number" || !Number.isInteger(value) || value < INT32_MIN || value > INT32_MAX)
          throw badParquetValue(column, row, `${describe(value)} is not a 32-bit integer`);
        this.ints[row] = value;
        break;
      case "int64":
        this.bigs[row] = toInt64(column, row, value);
        break;
      case "date": {
        const days = typeof value === "string" ? dateToDays(value) : undefined;
        if (days === undefined)
          throw badParquetValue(column, row, `${describe(value)} is not a YYYY-MM-DD date`);
        this.ints[row] = days;
        break;
      }
      case "timestamp_us": {
        const micros = typeof value === "string" ? timestampToMicros(value) : undefined;
        if (micros === undefined) throw badParquetValue(column, row, `${describe(value)} is not a timestamp`);
        this.bigs[row] = micros;
        break;
      }
      case "decimal": {
        const { precision, scale } = this;
        const unscaled = typeof value === "string" ? decimalToUnscaled(value, precision, scale) : undefined;
        if (unscaled === undefined)
          throw badParquetValue(
            column,
            row,
            `${describe(value)} is not an exact decimal string that fits DECIMAL(${precision},${scale})`,
          );
        const view = new BigInt64Array(this.words.buffer, this.words.byteOffset + row * 16, 2);
        view[0] = BigInt.asIntN(64, unscaled);
        view[1] = BigInt.asIntN(64, unscaled >> 64n);
        break;
      }
      case "bool": {
        if (typeof value !== "boolean")
          throw badParquetValue(column, row, `${describe(value)} is not a boolean`);
        const byte = row >> 3;
        const bit = 1 << (row & 7);
        this.bits[byte] = value ? (this.bits[byte] ?? 0) | bit : (this.bits[byte] ?? 0) & ~bit;
        break;
      }
      case "utf8": {
        if (typeof value !== "string")
          throw badParquetValue(column, row, `${describe(value)} is not a string`);
        this.reserveBytes(row, value.length * 3);
        const at = this.offsets[row] ?? 0;
        const written = value.length === 0 ? 0 : this.bytes.write(value, at, "utf8");
        this.offsets[row + 1] = at + written;
        break;
      }
    }
    if (column.nullable) this.setValid(row);
  }
}
