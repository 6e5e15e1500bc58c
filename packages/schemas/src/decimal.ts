/**
 * Exact decimals as unscaled integers (`"-12.5"` at scale 2 is `-1250`): the one place that
 * scales a decimal up or down, for the Parquet writer and reader, the transform's fast path and
 * the warehouse loaders. No floating point anywhere: money is never rounded.
 */

import { DataError } from "./errors";

const DECIMAL = /^([+-])?(\d*)(?:\.(\d*))?$/;

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

/**
 * An unscaled integer back to its exact string at `scale` (`-1250n`, 2 is `"-12.50"`). A number
 * must be a safe integer (what a Parquet INT32/INT64 decimal decodes to); anything else is a
 * `DataError`, never a rounded value.
 */
export function unscaledToDecimal(unscaled: bigint | number, scale: number): string {
  if (typeof unscaled === "number" && !Number.isSafeInteger(unscaled)) {
    throw new DataError(`decimal value ${unscaled} is not an exact unscaled integer`, { code: "BAD_VALUE" });
  }
  const negative = unscaled < 0;
  const digits = String(negative ? -unscaled : unscaled).padStart(scale + 1, "0");
  const whole = digits.slice(0, digits.length - scale);
  const text = scale === 0 ? whole : `${whole}.${digits.slice(digits.length - scale)}`;
  return negative ? `-${text}` : text;
}

/** A big-endian two's complement integer: how Parquet stores FIXED_LEN_BYTE_ARRAY and BYTE_ARRAY decimals. */
export function unscaledFromBigEndian(bytes: Uint8Array): bigint {
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  if (bytes.length > 0 && ((bytes[0] ?? 0) & 0x80) !== 0) value -= 1n << BigInt(bytes.length * 8);
  return value;
}

const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
/** Powers of ten up to 10^15: unscaled values of at most 15 digits stay safe integers. */
const POWERS = Array.from({ length: 16 }, (_, i) => 10 ** i);

/**
 * The ASCII decimal `buf[from..end)` as a safe-integer unscaled value at `scale`, for the
 * transform's byte scanner (no string, no bigint): `-?digits(.digits)?`, at most
 * `integerDigits` digits before the point once leading zeros go (a lone zero counts as one), only
 * zeros past the scale. Undefined otherwise. Callers keep `integerDigits + scale` at 15 or less.
 * Agrees with `decimalToUnscaled` on every text both accept (see the tests).
 */
export function asciiToUnscaled(
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
