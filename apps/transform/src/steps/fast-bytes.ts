import { daysFromCivil } from "@etl/schemas";

/*
 * Byte-level reading for the fast path of the streamed tables (see `FastRowScanner`): keys
 * compared four bytes at a time, fixed-width digits, literal words, and dates by table.
 */

const ZERO = 0x30;
const NINE = 0x39;

/** Days since 1970-01-01 of the first day of each month of years 0000 to 9999, made on first use. */
let monthStarts: Int32Array | undefined;

/** Days since 1970-01-01 of a calendar date of years 0000 to 9999, by table: no division per row. */
export function dayNumber(year: number, month: number, day: number): number {
  if (monthStarts === undefined) {
    monthStarts = new Int32Array(10_000 * 12);
    for (let y = 0; y < 10_000; y++) {
      for (let m = 1; m <= 12; m++) monthStarts[y * 12 + m - 1] = daysFromCivil(y, m, 1);
    }
  }
  return (monthStarts[year * 12 + month - 1] ?? 0) + day - 1;
}

/** A key as the bytes that follow its opening quote (`name":`), compared four at a time. */
export interface Key {
  bytes: Uint8Array;
  /** Little-endian 32-bit words of the first `4 * words.length` bytes. */
  words: Int32Array;
}

const encoder = new TextEncoder();

/** The key of a column name. */
export function keyOf(name: string): Key {
  const bytes = encoder.encode(`${name}":`);
  const words = new Int32Array(bytes.length >> 2);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < words.length; i++) words[i] = view.getInt32(i * 4, true);
  return { bytes, words };
}

/** The two digits at `buf[at]` as a number, or -1 when they are not two digits. */
export function twoDigits(buf: Uint8Array, at: number): number {
  const a = buf[at];
  const b = buf[at + 1];
  if (a === undefined || b === undefined || a < ZERO || a > NINE || b < ZERO || b > NINE) return -1;
  return (a - ZERO) * 10 + (b - ZERO);
}

/** The four digits at `buf[at]` as a number, or -1 when they are not four digits. */
export function fourDigits(buf: Uint8Array, at: number): number {
  const high = twoDigits(buf, at);
  const low = twoDigits(buf, at + 2);
  return high < 0 || low < 0 ? -1 : high * 100 + low;
}

/** True when `buf` (seen through `view`) holds `key` at `at`. */
export function keyAt(buf: Uint8Array, view: DataView, at: number, key: Key): boolean {
  const { bytes, words } = key;
  if (at + bytes.length > buf.length) return false;
  const count = words.length;
  for (let i = 0; i < count; i++) if (view.getInt32(at + i * 4, true) !== words[i]) return false;
  for (let k = count * 4; k < bytes.length; k++) if (buf[at + k] !== bytes[k]) return false;
  return true;
}

/** True when `buf` holds `word` at `at`. */
export function bytesAt(buf: Uint8Array, at: number, word: Uint8Array): boolean {
  for (let k = 0; k < word.length; k++) if (buf[at + k] !== word[k]) return false;
  return true;
}

/** Literal words of JSON, as bytes. */
export const NULL = encoder.encode("null");
export const TRUE = encoder.encode("true");
export const FALSE = encoder.encode("false");

/** Text as ASCII bytes (enum values). */
export const asciiBytes = (text: string): Uint8Array => encoder.encode(text);
