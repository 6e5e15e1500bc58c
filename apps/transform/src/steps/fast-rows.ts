import type { ParquetColumn, ParquetColumnBuilder, ParquetTableBuilder } from "@etl/s3-io/parquet";
import type { SourceTable } from "@etl/schemas";
import type { StreamedTable } from "./streamed-tables";

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

/** How a source column's value is read: the kinds the source schemas use. */
export type FastSourceKind =
  /** `z.number().int().positive()` */
  | "id"
  /** `z.number().int()` */
  | "int"
  /** `SourceTimestampSchema` */
  | "timestamp"
  /** `SourceDateSchema` */
  | "date"
  /** `SourceNumericSchema` */
  | "numeric"
  /** `z.string()` */
  | "text"
  /** `z.boolean()` */
  | "bool"
  /** `z.enum(values)` */
  | "enum";

export interface FastSourceColumn {
  kind: FastSourceKind;
  nullable?: boolean;
  /** `enum` only: the values allowed. */
  values?: readonly string[];
}

/**
 * A star column's value: a source column as it is, the date or time part of a timestamp, or the
 * whole timestamp as canonical text (`YYYY-MM-DD HH:MM:SS.ffffff`, as `sourceUpdatedAt` writes it).
 */
export interface FastStarColumn {
  from: string;
  part?: "date" | "time" | "timestamp";
}

/** A streamed table's source columns (in schema order) and where each star column comes from. */
export interface FastPlan {
  source: Readonly<Record<string, FastSourceColumn>>;
  star: Readonly<Record<string, FastStarColumn>>;
}

const id: FastSourceColumn = { kind: "id" };
const int: FastSourceColumn = { kind: "int" };
const timestamp: FastSourceColumn = { kind: "timestamp" };
const date: FastSourceColumn = { kind: "date" };
const numeric: FastSourceColumn = { kind: "numeric" };
const as = (from: string): FastStarColumn => ({ from });
const dateOf = (from: string): FastStarColumn => ({ from, part: "date" });
const timeOf = (from: string): FastStarColumn => ({ from, part: "time" });
const timestampOf = (from: string): FastStarColumn => ({ from, part: "timestamp" });

/**
 * The plan of each streamed table: the source columns as `@etl/schemas` declares them and the
 * star columns as its formatters (`toFactSalesOrder`, ...) fill them.
 */
export const FAST_PLANS: Record<StreamedTable, FastPlan> = {
  sales_order: {
    source: {
      sales_order_id: id,
      created_at: timestamp,
      last_updated: timestamp,
      design_id: id,
      staff_id: id,
      counterparty_id: id,
      units_sold: int,
      unit_price: numeric,
      currency_id: id,
      agreed_delivery_date: date,
      agreed_payment_date: date,
      agreed_delivery_location_id: id,
    },
    star: {
      sales_order_id: as("sales_order_id"),
      created_date: dateOf("created_at"),
      created_time: timeOf("created_at"),
      last_updated_date: dateOf("last_updated"),
      last_updated_time: timeOf("last_updated"),
      sales_staff_id: as("staff_id"),
      counterparty_id: as("counterparty_id"),
      units_sold: as("units_sold"),
      unit_price: as("unit_price"),
      currency_id: as("currency_id"),
      design_id: as("design_id"),
      agreed_payment_date: as("agreed_payment_date"),
      agreed_delivery_date: as("agreed_delivery_date"),
      agreed_delivery_location_id: as("agreed_delivery_location_id"),
    },
  },
  purchase_order: {
    source: {
      purchase_order_id: id,
      created_at: timestamp,
      last_updated: timestamp,
      staff_id: id,
      counterparty_id: id,
      item_code: { kind: "text" },
      item_quantity: int,
      item_unit_price: numeric,
      currency_id: id,
      agreed_delivery_date: date,
      agreed_payment_date: date,
      agreed_delivery_location_id: id,
    },
    star: {
      purchase_order_id: as("purchase_order_id"),
      created_date: dateOf("created_at"),
      created_time: timeOf("created_at"),
      last_updated_date: dateOf("last_updated"),
      last_updated_time: timeOf("last_updated"),
      staff_id: as("staff_id"),
      counterparty_id: as("counterparty_id"),
      item_code: as("item_code"),
      item_quantity: as("item_quantity"),
      item_unit_price: as("item_unit_price"),
      currency_id: as("currency_id"),
      agreed_delivery_date: as("agreed_delivery_date"),
      agreed_payment_date: as("agreed_payment_date"),
      agreed_delivery_location_id: as("agreed_delivery_location_id"),
    },
  },
  payment: {
    source: {
      payment_id: id,
      created_at: timestamp,
      last_updated: timestamp,
      transaction_id: id,
      counterparty_id: id,
      payment_amount: numeric,
      currency_id: id,
      payment_type_id: id,
      paid: { kind: "bool" },
      payment_date: date,
      company_ac_number: int,
      counterparty_ac_number: int,
    },
    star: {
      payment_id: as("payment_id"),
      created_date: dateOf("created_at"),
      created_time: timeOf("created_at"),
      last_updated_date: dateOf("last_updated"),
      last_updated_time: timeOf("last_updated"),
      transaction_id: as("transaction_id"),
      counterparty_id: as("counterparty_id"),
      payment_amount: as("payment_amount"),
      currency_id: as("currency_id"),
      payment_type_id: as("payment_type_id"),
      paid: as("paid"),
      payment_date: as("payment_date"),
    },
  },
  transaction: {
    source: {
      transaction_id: id,
      transaction_type: { kind: "enum", values: ["SALE", "PURCHASE"] },
      sales_order_id: { kind: "id", nullable: true },
      purchase_order_id: { kind: "id", nullable: true },
      created_at: timestamp,
      last_updated: timestamp,
    },
    star: {
      transaction_id: as("transaction_id"),
      transaction_type: as("transaction_type"),
      sales_order_id: as("sales_order_id"),
      purchase_order_id: as("purchase_order_id"),
      source_updated_at: timestampOf("last_updated"),
    },
  },
};

/** True when year, month and day name a real day of the proleptic Gregorian calendar. */
function isCalendarDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  if (month === 2) {
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    return day <= (leap ? 29 : 28);
  }
  return day <= (month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31);
}

/** Days since 1970-01-01 of a calendar date (proleptic Gregorian, any year), integer arithmetic. */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

// Byte values.
const QUOTE = 0x22;
const COMMA = 0x2c;
const MINUS = 0x2d;
const DOT = 0x2e;
const COLON = 0x3a;
const ZERO = 0x30;
const NINE = 0x39;
const BACKSLASH = 0x5c;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const NEWLINE = 0x0a;
const SPACE = 0x20;
const T = 0x54;

// Source kinds as small integers for the hot loop.
const K_ID = 0;
const K_INT = 1;
const K_TIMESTAMP = 2;
const K_DATE = 3;
const K_NUMERIC = 4;
const K_TEXT = 5;
const K_BOOL = 6;
const K_ENUM = 7;
const KINDS: Record<FastSourceKind, number> = {
  id: K_ID,
  int: K_INT,
  timestamp: K_TIMESTAMP,
  date: K_DATE,
  numeric: K_NUMERIC,
  text: K_TEXT,
  bool: K_BOOL,
  enum: K_ENUM,
};

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
/** Digits of an integer the fast path reads: always a safe integer. */
const MAX_DIGITS = 15;
const POWERS = Array.from({ length: MAX_DIGITS + 1 }, (_, i) => 10 ** i);

/** Days since 1970-01-01 of the first day of each month of years 0000 to 9999, made on first use. */
let monthStarts: Int32Array | undefined;

/** Days since 1970-01-01 of a calendar date of years 0000 to 9999, by table. */
function dayNumber(year: number, month: number, day: number): number {
  if (monthStarts === undefined) {
    monthStarts = new Int32Array(10_000 * 12);
    for (let y = 0; y < 10_000; y++) {
      for (let m = 1; m <= 12; m++) monthStarts[y * 12 + m - 1] = daysFromCivil(y, m, 1);
    }
  }
  return (monthStarts[year * 12 + month - 1] ?? 0) + day - 1;
}

/** A key as the bytes that follow its opening quote (`name":`), compared four at a time. */
interface Key {
  bytes: Uint8Array;
  /** Little-endian 32-bit words of the first `4 * words.length` bytes. */
  words: Int32Array;
}

/** One source column: how its value is read, and the star columns (indexes, -1 for none) it fills. */
interface SourceSlot {
  key: Key;
  kind: number;
  nullable: boolean;
  values: Uint8Array[];
  int32: number;
  days: number;
  time: number;
  /** The whole timestamp as canonical text. */
  stamp: number;
  decimal: number;
  text: number;
  bool: number;
  /** Decimals: digits allowed before the point, and the scale. */
  integerDigits: number;
  scale: number;
  /** Every star column it fills. */
  fills: number[];
  /** The nullable star columns it fills: marked valid when a value is read. */
  valid: number[];
}

const encoder = new TextEncoder();

function keyOf(name: string): Key {
  const bytes = encoder.encode(`${name}":`);
  const words = new Int32Array(bytes.length >> 2);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < words.length; i++) words[i] = view.getInt32(i * 4, true);
  return { bytes, words };
}

/** The two digits at `buf[at]` as a number, or -1 when they are not two digits. */
function twoDigits(buf: Uint8Array, at: number): number {
  const a = buf[at];
  const b = buf[at + 1];
  if (a === undefined || b === undefined || a < ZERO || a > NINE || b < ZERO || b > NINE) return -1;
  return (a - ZERO) * 10 + (b - ZERO);
}

/** The four digits at `buf[at]` as a number, or -1 when they are not four digits. */
function fourDigits(buf: Uint8Array, at: number): number {
  const high = twoDigits(buf, at);
  const low = twoDigits(buf, at + 2);
  return high < 0 || low < 0 ? -1 : high * 100 + low;
}

/** True when `buf` (seen through `view`) holds `key` at `at`. */
function keyAt(buf: Uint8Array, view: DataView, at: number, key: Key): boolean {
  const { bytes, words } = key;
  if (at + bytes.length > buf.length) return false;
  const count = words.length;
  for (let i = 0; i < count; i++) if (view.getInt32(at + i * 4, true) !== words[i]) return false;
  for (let k = count * 4; k < bytes.length; k++) if (buf[at + k] !== bytes[k]) return false;
  return true;
}

/** True when `buf` holds `word` at `at`. */
function bytesAt(buf: Uint8Array, at: number, word: Uint8Array): boolean {
  for (let k = 0; k < word.length; k++) if (buf[at + k] !== word[k]) return false;
  return true;
}

const NULL = encoder.encode("null");
const TRUE = encoder.encode("true");
const FALSE = encoder.encode("false");

/** The source slots of a plan, for the star columns of a Parquet part; throws on a plan that does not fit. */
function compile(table: SourceTable, plan: FastPlan, columns: readonly ParquetColumn[]): SourceSlot[] {
  const names = Object.keys(plan.source);
  if (names.length > 30) throw new Error(`${table}: the fast path reads at most 30 columns`);
  const slots: SourceSlot[] = names.map((name) => {
    const source = plan.source[name] ?? { kind: "text" };
    return {
      key: keyOf(name),
      kind: KINDS[source.kind],
      nullable: source.nullable === true,
      values: (source.values ?? []).map((v) => encoder.encode(v)),
      int32: -1,
      days: -1,
      time: -1,
      stamp: -1,
      decimal: -1,
      text: -1,
      bool: -1,
      integerDigits: 0,
      scale: 0,
      fills: [],
      valid: [],
    };
  });
  columns.forEach((column, index) => {
    const star = plan.star[column.name];
    if (!star) throw new Error(`${table}: the fast plan does not fill ${column.name}`);
    const slot = slots[names.indexOf(star.from)];
    const source = plan.source[star.from];
    if (slot === undefined || source === undefined)
      throw new Error(`${table}: ${column.name} comes from unknown ${star.from}`);
    const kind = source.kind;
    const cannot = () =>
      new Error(`${table}: ${column.name} (${column.type}) cannot come from ${star.from} (${kind})`);
    const take = (op: "int32" | "days" | "time" | "stamp" | "decimal" | "text" | "bool") => {
      if (slot[op] >= 0) throw new Error(`${table}: ${star.from} fills two ${op} columns`);
      slot[op] = index;
    };
    if (star.part !== undefined && kind !== "timestamp") throw cannot();
    if ((kind === "id" || kind === "int") && column.type === "int32") take("int32");
    else if (kind === "date" && column.type === "date") take("days");
    else if (kind === "timestamp" && star.part === "date" && column.type === "date") take("days");
    else if (kind === "timestamp" && star.part === "time" && column.type === "utf8") take("time");
    else if (kind === "timestamp" && star.part === "timestamp" && column.type === "utf8") take("stamp");
    else if (kind === "numeric" && column.type === "decimal") {
      const precision = column.precision ?? 0;
      const scale = column.scale ?? 0;
      // Unscaled values stay safe integers: exact in a double.
      if (precision < 1 || precision > MAX_DIGITS || scale < 0 || scale > precision)
        throw new Error(`${table}: ${column.name} is too wide for the fast path`);
      take("decimal");
      slot.integerDigits = precision - scale;
      slot.scale = scale;
    } else if ((kind === "text" || kind === "enum") && column.type === "utf8") take("text");
    else if (kind === "bool" && column.type === "bool") take("bool");
    else throw cannot();
    if (source.nullable && !column.nullable)
      throw new Error(`${table}: ${column.name} is NOT NULL but ${star.from} is nullable`);
    slot.fills.push(index);
    if (column.nullable) slot.valid.push(index);
  });
  names.forEach((name, i) => {
    if (plan.source[name]?.kind === "numeric" && slots[i]?.decimal === -1)
      throw new Error(`${table}: numeric ${name} must fill a decimal column (that is where it is checked)`);
  });
  return slots;
}

/**
 * Scans raw JSON lines of one streamed table into a `ParquetTableBuilder` of its star columns.
 *
 * @example
 * const scanner = new FastRowScanner("sales_order", FAST_PLANS.sales_order, part.columns);
 * const end = scanner.scan(chunk, at, part); // index of the line's "\n", or -1: read it the reference way
 */
export class FastRowScanner {
  readonly #slots: SourceSlot[];
  readonly #all: number;
  /** The buffer being scanned, and a view of it. */
  #buffer: Uint8Array = new Uint8Array(0);
  #view: DataView = new DataView(new ArrayBuffer(0));

  constructor(table: SourceTable, plan: FastPlan, columns: readonly ParquetColumn[]) {
    this.#slots = compile(table, plan, columns);
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
      case K_TIMESTAMP: {
        if (buf[p] !== QUOTE) return -1;
        const q = p + 1;
        const year = fourDigits(buf, q);
        const month = twoDigits(buf, q + 5);
        const day = twoDigits(buf, q + 8);
        const hour = twoDigits(buf, q + 11);
        const minute = twoDigits(buf, q + 14);
        const second = twoDigits(buf, q + 17);
        const separator = buf[q + 10];
        if (
          year < 0 ||
          month < 0 ||
          day < 0 ||
          hour < 0 ||
          minute < 0 ||
          second < 0 ||
          buf[q + 4] !== MINUS ||
          buf[q + 7] !== MINUS ||
          (separator !== SPACE && separator !== T) ||
          buf[q + 13] !== COLON ||
          buf[q + 16] !== COLON ||
          hour > 23 ||
          minute > 59 ||
          second > 59 ||
          !isCalendarDate(year, month, day)
        )
          return -1;
        p = q + 19;
        let fraction = 0;
        if (buf[p] === DOT) {
          p += 1;
          for (;;) {
            const c = buf[p];
            if (c === undefined || c < ZERO || c > NINE) break;
            fraction += 1;
            p += 1;
          }
          if (fraction < 1 || fraction > 6) return -1;
        }
        if (buf[p] !== QUOTE) return -1;
        p += 1;
        const days = builders[slot.days];
        if (days !== undefined) days.ints[row] = dayNumber(year, month, day);
        const time = builders[slot.time];
        if (time !== undefined) {
          // HH:MM:SS, the point, the fraction padded to six digits.
          time.reserveBytes(row, 15);
          const bytes = time.bytes;
          const from = q + 11;
          const out = time.offsets[row] ?? 0;
          if (fraction === 6) {
            // The common case: the text is already "HH:MM:SS.ffffff".
            for (let k = 0; k < 15; k++) bytes[out + k] = buf[from + k] ?? 0;
          } else {
            for (let k = 0; k < 8; k++) bytes[out + k] = buf[from + k] ?? 0;
            bytes[out + 8] = DOT;
            for (let k = 0; k < 6; k++) bytes[out + 9 + k] = k < fraction ? (buf[from + 9 + k] ?? 0) : ZERO;
          }
          time.offsets[row + 1] = out + 15;
        }
        const stamp = builders[slot.stamp];
        if (stamp !== undefined) {
          // YYYY-MM-DD, a space (the source may have a T), HH:MM:SS, the fraction padded to six.
          stamp.reserveBytes(row, 26);
          const bytes = stamp.bytes;
          const out = stamp.offsets[row] ?? 0;
          for (let k = 0; k < 10; k++) bytes[out + k] = buf[q + k] ?? 0;
          bytes[out + 10] = SPACE;
          for (let k = 0; k < 8; k++) bytes[out + 11 + k] = buf[q + 11 + k] ?? 0;
          bytes[out + 19] = DOT;
          for (let k = 0; k < 6; k++) bytes[out + 20 + k] = k < fraction ? (buf[q + 20 + k] ?? 0) : ZERO;
          stamp.offsets[row + 1] = out + 26;
        }
        break;
      }
      case K_DATE: {
        if (buf[p] !== QUOTE) return -1;
        const year = fourDigits(buf, p + 1);
        const month = twoDigits(buf, p + 6);
        const day = twoDigits(buf, p + 9);
        if (
          year < 0 ||
          month < 0 ||
          day < 0 ||
          buf[p + 5] !== MINUS ||
          buf[p + 8] !== MINUS ||
          buf[p + 11] !== QUOTE ||
          !isCalendarDate(year, month, day)
        )
          return -1;
        p += 12;
        const days = builders[slot.days];
        if (days !== undefined) days.ints[row] = dayNumber(year, month, day);
        break;
      }
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
          const unscaled = unscaledAt(buf, from, end, slot.integerDigits, slot.scale);
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

/**
 * The numeric text `buf[from..end)` as an unscaled integer at `scale`, as `toScale` would write
 * it: `-?digits(.digits)?`, no more than `integerDigits` digits before the point once leading
 * zeros go (a lone zero counts as one), only zeros past the scale. Undefined otherwise.
 */
function unscaledAt(
  buf: Uint8Array,
  from: number,
  end: number,
  integerDigits: number,
  scale: number,
): number | undefined {
  let p = from;
  const negative = buf[p] === MINUS;
  if (negative) p += 1;
  let integer = 0;
  let digits = 0;
  let significant = 0;
  while (p < end) {
    const c = buf[p];
    if (c === DOT) break;
    if (c === undefined || c < ZERO || c > NINE) return undefined;
    digits += 1;
    if (significant > 0 || c !== ZERO) {
      significant += 1;
      if (significant > integerDigits) return undefined;
      integer = integer * 10 + (c - ZERO);
    }
    p += 1;
  }
  if (digits === 0 || Math.max(significant, 1) > integerDigits) return undefined;
  let fraction = 0;
  let kept = 0;
  if (p < end) {
    p += 1;
    if (p === end) return undefined;
    while (p < end) {
      const c = buf[p];
      if (c === undefined || c < ZERO || c > NINE) return undefined;
      if (kept < scale) {
        fraction = fraction * 10 + (c - ZERO);
        kept += 1;
      } else if (c !== ZERO) return undefined;
      p += 1;
    }
  }
  const unscaled = integer * (POWERS[scale] ?? 1) + fraction * (POWERS[scale - kept] ?? 1);
  return negative && unscaled !== 0 ? -unscaled : unscaled;
}
