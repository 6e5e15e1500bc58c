import type { ParquetColumnBuilder } from "@etl/s3-io/parquet";
import { isCalendarDate } from "@etl/schemas";
import { dayNumber, fourDigits, twoDigits } from "./fast-bytes";
import type { SourceSlot } from "./fast-slots";

// Byte values.
const QUOTE = 0x22;
const MINUS = 0x2d;
const DOT = 0x2e;
const COLON = 0x3a;
const ZERO = 0x30;
const NINE = 0x39;
const SPACE = 0x20;
const T = 0x54;

/**
 * Reads a quoted `SourceTimestampSchema` value at `start` into the slot's date, time and whole
 * timestamp columns; returns the index after it, or -1 when it is not a plain valid timestamp.
 */
export function readTimestamp(
  buf: Uint8Array,
  start: number,
  slot: SourceSlot,
  builders: readonly ParquetColumnBuilder[],
  row: number,
): number {
  let p = start;
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
  return p;
}

/** Reads a quoted `SourceDateSchema` value at `start` into the slot's date column, as `readTimestamp`. */
export function readDate(
  buf: Uint8Array,
  start: number,
  slot: SourceSlot,
  builders: readonly ParquetColumnBuilder[],
  row: number,
): number {
  let p = start;
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
  return p;
}
