import type { ParquetColumn, ParquetColumnBuilder, ParquetTableBuilder } from "@etl/s3-io/parquet";
import { asciiToUnscaled, type SourceTable } from "@etl/schemas";
import { bytesAt, FALSE, keyAt, NULL, TRUE } from "./fast-bytes";
import { readDate, readTimestamp } from "./fast-dates";
import type { FastPlan } from "./fast-plan";
import {
  compileSlots,
  K_BOOL,
  K_DATE,
  K_ENUM,
  K_ID,
  K_INT,
  K_NUMERIC,
  K_TEXT,
  K_TIMESTAMP,
  MAX_DIGITS,
  type SourceSlot,
} from "./fast-slots";

/**
 * The fast path of the streamed tables: a raw JSON line scanned byte by byte, validated and
 * formatted straight into the Parquet part's column arrays, without `JSON.parse`, row objects,
 * zod or the formatter. It takes only the plain shape ingest writes (no whitespace, no escapes,
 * ASCII text, each column once, numerics as strings, integers in plain digits) and gives up on
 * anything else: the caller then reads that line the reference way (`JSON.parse`, the source
 * schema, the formatter), which also names the problem when there is one. So the fast path
 * never decides that a row is bad; it only ever accepts rows the source schema accepts, and
 * writes the values the formatter would (the tests compare both on every edge case).
 */

// Byte values.
const QUOTE = 0x22;
const COMMA = 0x2c;
const MINUS = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;
const BACKSLASH = 0x5c;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const NEWLINE = 0x0a;
const SPACE = 0x20;

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/**
 * Scans raw JSON lines of one streamed table into a `ParquetTableBuilder` of its star columns.
 *
 * @example
 * const scanner = new FastRowScanner("sales_order", fastPlan("sales_order", "fact_sales_order"), part.columns);
 * const end = scanner.scan(chunk, at, part); // index of the line's "\n", or -1: read it the reference way
 */
export class FastRowScanner {
  readonly #slots: SourceSlot[];
  readonly #all: number;
  /** The buffer being scanned, and a view of it. */
  #buffer: Uint8Array = new Uint8Array(0);
  #view: DataView = new DataView(new ArrayBuffer(0));

  constructor(table: SourceTable, plan: FastPlan, columns: readonly ParquetColumn[]) {
    this.#slots = compileSlots(table, plan, columns);
    this.#all = 2 ** this.#slots.length - 1;
  }

  /**
   * Reads the line that starts at `at` into row `part.length` of `part` (which must have room)
   * and returns the index of the line's end (its `\n`, or `buf.length`); the caller then calls
   * `part.commit()`. Returns -1 when the line is not in the plain shape or its values are not all
   * valid: the row may be half written, and the caller reads the line the reference way.
   */
  scan(buf: Uint8Array, at: number, part: ParquetTableBuilder): number {
    if (buf !== this.#buffer) {
      this.#buffer = buf;
      this.#view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    }
    const view = this.#view;
    const slots = this.#slots;
    const count = slots.length;
    const builders = part.builders;
    const row = part.length;
    let p = at;
    if (buf[p] !== LBRACE) return -1;
    p += 1;
    let seen = 0;
    let guess = 0;
    for (;;) {
      if (buf[p] !== QUOTE) return -1;
      p += 1;
      let index = guess;
      let slot = slots[guess];
      if (slot === undefined || !keyAt(buf, view, p, slot.key)) {
        index = -1;
        for (let c = 0; c < count; c++) {
          const other = slots[c];
          if (c !== guess && other !== undefined && keyAt(buf, view, p, other.key)) {
            index = c;
            slot = other;
            break;
          }
        }
        if (index < 0 || slot === undefined) return -1;
      }
      const bit = 1 << index;
      if ((seen & bit) !== 0) return -1;
      seen |= bit;
      p = this.#read(buf, p + slot.key.bytes.length, slot, builders, row);
      if (p < 0) return -1;
      guess = index + 1;
      const c = buf[p];
      p += 1;
      if (c === COMMA) continue;
      if (c === RBRACE) break;
      return -1;
    }
    if (seen !== this.#all) return -1;
    if (p !== buf.length && buf[p] !== NEWLINE) return -1;
    return p;
  }

  /**
   * Reads the value at `start` and writes it into the star columns its source column fills;
   * returns the index after it, or -1 when it is not a plain valid value of its kind.
   */
  #read(
    buf: Uint8Array,
    start: number,
    slot: SourceSlot,
    builders: readonly ParquetColumnBuilder[],
    row: number,
  ): number {
    let p = start;
    if (buf[p] === NULL[0]) {
      if (!slot.nullable || !bytesAt(buf, p, NULL)) return -1;
      for (const index of slot.fills) builders[index]?.setNull(row);
      return p + 4;
    }
    switch (slot.kind) {
      case K_ID:
      case K_INT: {
        const negative = buf[p] === MINUS;
        if (negative) p += 1;
        let c = buf[p];
        if (c === undefined || c < ZERO || c > NINE) return -1;
        let value = c - ZERO;
        p += 1;
        if (value !== 0) {
          let digits = 1;
          for (;;) {
            c = buf[p];
            if (c === undefined || c < ZERO || c > NINE) break;
            if (++digits > MAX_DIGITS) return -1;
            value = value * 10 + (c - ZERO);
            p += 1;
          }
        }
        if (negative) {
          // -0 is a JSON number JavaScript reads as negative zero: left to the reference path.
          if (value === 0) return -1;
          value = -value;
        }
        if (slot.kind === K_ID && value <= 0) return -1;
        const builder = builders[slot.int32];
        if (builder !== undefined) {
          if (value < INT32_MIN || value > INT32_MAX) return -1;
          builder.ints[row] = value;
        }
        break;
      }
      case K_TIMESTAMP:
        p = readTimestamp(buf, p, slot, builders, row);
        if (p < 0) return -1;
        break;
      case K_DATE:
        p = readDate(buf, p, slot, builders, row);
        if (p < 0) return -1;
        break;
      case K_NUMERIC:
      case K_TEXT:
      case K_ENUM: {
        // The bytes between the quotes: ASCII without escapes or control characters; the rest
        // (escapes, non-ASCII text) is left to the reference path.
        if (buf[p] !== QUOTE) return -1;
        p += 1;
        const from = p;
        for (;;) {
          const c = buf[p];
          if (c === QUOTE) break;
          if (c === undefined || c < SPACE || c === BACKSLASH || c > 0x7f) return -1;
          p += 1;
        }
        const end = p;
        p += 1;
        if (slot.kind === K_NUMERIC) {
          const unscaled = asciiToUnscaled(buf, from, end, slot.integerDigits, slot.scale);
          if (unscaled === undefined) return -1;
          builders[slot.decimal]?.setDecimal(row, unscaled);
          break;
        }
        if (
          slot.kind === K_ENUM &&
          !slot.values.some((v) => v.length === end - from && bytesAt(buf, from, v))
        )
          return -1;
        const text = builders[slot.text];
        if (text !== undefined) {
          text.reserveBytes(row, end - from);
          const bytes = text.bytes;
          let out = text.offsets[row] ?? 0;
          for (let k = from; k < end; k++) bytes[out++] = buf[k] ?? 0;
          text.offsets[row + 1] = out;
        }
        break;
      }
      case K_BOOL: {
        let value: boolean;
        if (bytesAt(buf, p, TRUE)) {
          value = true;
          p += 4;
        } else if (bytesAt(buf, p, FALSE)) {
          value = false;
          p += 5;
        } else return -1;
        const builder = builders[slot.bool];
        if (builder !== undefined) {
          const byte = row >> 3;
          const bit = 1 << (row & 7);
          const bits = builder.bits;
          bits[byte] = value ? (bits[byte] ?? 0) | bit : (bits[byte] ?? 0) & ~bit;
        }
        break;
      }
      default:
        return -1;
    }
    // A nullable star column may come from a NOT NULL source (`source_updated_at`): valid too.
    for (const index of slot.valid) builders[index]?.setValid(row);
    return p;
  }
}
