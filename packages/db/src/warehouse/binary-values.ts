// The values of PostgreSQL's binary COPY format that take arithmetic: times read from their
// canonical text, and numerics as base-10000 digits (see `CopyBinaryWriter`).

/** Two ASCII digits at `at` of `text` as a number, or -1. */
export function twoDigits(text: string, at: number): number {
  const a = text.charCodeAt(at) - 48;
  const b = text.charCodeAt(at + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/**
 * Microseconds since midnight of `HH:MM:SS[.f{1,6}]` at `at` to the end of `text`, or -1 for
 * anything else (24:00:00, leap seconds and other spellings PostgreSQL reads its own way).
 */
export function timeMicros(text: string, at: number): number {
  const n = text.length - at;
  if (n < 8 || n === 9 || n > 15) return -1;
  if (text.charCodeAt(at + 2) !== 58 || text.charCodeAt(at + 5) !== 58) return -1;
  const h = twoDigits(text, at);
  const m = twoDigits(text, at + 3);
  const s = twoDigits(text, at + 6);
  if (h < 0 || h > 23 || m < 0 || m > 59 || s < 0 || s > 59) return -1;
  let micros = 0;
  if (n > 8) {
    if (text.charCodeAt(at + 8) !== 46) return -1;
    let scale = 100_000;
    for (let i = at + 9; i < text.length; i++) {
      const d = text.charCodeAt(i) - 48;
      if (d < 0 || d > 9) return -1;
      micros += d * scale;
      scale /= 10;
    }
  }
  return ((h * 60 + m) * 60 + s) * 1_000_000 + micros;
}

/** The base-10000 digits of a numeric, most significant first; `count` of `digits` are used. */
export interface NumericDigits {
  digits: number[];
  count: number;
  /** The power of 10000 of the first digit. */
  weight: number;
}

/** Reused by `numericDigitsOf`: a numeric of a safe integer has at most 5 base-10000 digits. */
const SCRATCH: number[] = [0, 0, 0, 0, 0, 0, 0, 0];

/**
 * The base-10000 digits of PostgreSQL's numeric for the unscaled decimal `abs` (a non-negative
 * safe integer) at `scale`: shifted left to a whole number of fractional base-10000 digits, then
 * divided out, trailing zero digits left off.
 */
export function numericDigitsOf(abs: number, scale: number): NumericDigits {
  if (abs === 0) return { digits: SCRATCH, count: 0, weight: 0 };
  const pad = (4 - (scale % 4)) % 4;
  const shifted = abs * 10 ** pad;
  if (!Number.isSafeInteger(shifted) || scale > 16) return numericDigitsOfText(String(abs), scale);
  const fractionDigits = (scale + pad) / 4;
  let n = 0;
  for (let rest = shifted; rest > 0; rest = Math.floor(rest / 10_000)) n++;
  let count = n;
  let rest = shifted;
  for (let i = n - 1; i >= 0; i--) {
    const q = Math.floor(rest / 10_000);
    SCRATCH[i] = rest - q * 10_000;
    rest = q;
  }
  while (count > 0 && SCRATCH[count - 1] === 0) count--;
  return { digits: SCRATCH, count, weight: n - fractionDigits - 1 };
}

/** As `numericDigitsOf`, from the decimal digits `abs` of any size. */
export function numericDigitsOfText(abs: string, scale: number): NumericDigits {
  if (/^0+$/.test(abs)) return { digits: [], count: 0, weight: 0 };
  const intLength = abs.length - scale;
  let whole = intLength > 0 ? abs.slice(0, intLength) : "";
  let fraction = intLength > 0 ? abs.slice(intLength) : "0".repeat(-intLength) + abs;
  whole = "0".repeat((4 - (whole.length % 4)) % 4) + whole;
  fraction += "0".repeat((4 - (fraction.length % 4)) % 4);
  const all = whole + fraction;
  const digits: number[] = [];
  for (let i = 0; i < all.length; i += 4) digits.push(Number(all.slice(i, i + 4)));
  let weight = whole.length / 4 - 1;
  let first = 0;
  while (first < digits.length && digits[first] === 0) {
    first++;
    weight--;
  }
  let last = digits.length;
  while (last > first && digits[last - 1] === 0) last--;
  const used = digits.slice(first, last);
  return { digits: used, count: used.length, weight };
}
