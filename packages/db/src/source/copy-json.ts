import { Transform, type TransformCallback } from "node:stream";
import { DataError } from "@etl/schemas";

/**
 * How a column's COPY text becomes its JSON, as `to_json` (and so `row_to_json`) would render it:
 * `integer` as it is; `numeric` quoted; `boolean` as `true`/`false`; `timestamp` (the text of a
 * `timestamp` in DateStyle ISO) quoted with all six fraction digits, as
 * `to_char(.., 'YYYY-MM-DD HH24:MI:SS.US')` gives it; `text` quoted and escaped as PostgreSQL's
 * `escape_json` does; `json` is already JSON (the column was selected as `to_json(..)::text`).
 */
export type ColumnKind = "integer" | "numeric" | "boolean" | "timestamp" | "text" | "json";

const KIND_CODE: Record<ColumnKind, number> = {
  integer: 0,
  numeric: 1,
  boolean: 2,
  timestamp: 3,
  text: 4,
  json: 5,
};
const TAB = 9;
const NL = 10;
const BACKSLASH = 92;
const QUOTE = 34;
const NULL_JSON = Buffer.from("null");
const TRUE_JSON = Buffer.from("true");
const FALSE_JSON = Buffer.from("false");
const HEX = Buffer.from("0123456789abcdef");
/** COPY text's backslash sequences (`\b \f \n \r \t \v`) to the byte they stand for. */
const COPY_ESCAPES = new Map<number, number>([
  [98, 8],
  [102, 12],
  [110, 10],
  [114, 13],
  [116, 9],
  [118, 11],
]);
/** `escape_json`'s short escapes; every other control byte becomes `\u00xx`. */
const JSON_SHORT = new Map<number, number>([
  [8, 98],
  [12, 102],
  [10, 110],
  [13, 114],
  [9, 116],
  [34, 34],
  [92, 92],
]);

/**
 * Turns `COPY ... TO STDOUT` text (tab-separated, `\N` for null, one row a line) of the given
 * columns into JSON Lines, one object per row with the columns' names as keys: the bytes the SQL
 * rendering `'{"a":' || .. || '}'` gives, built here so that PostgreSQL only prints the columns.
 */
export class CopyTextToJsonLines extends Transform {
  readonly #keys: Buffer[];
  readonly #kinds: Uint8Array;
  readonly #fixedPerRow: number;
  #rest: Buffer | null = null;
  #out = Buffer.allocUnsafe(1 << 20);
  #at = 0;

  constructor(columns: { name: string; kind: ColumnKind }[]) {
    super();
    this.#keys = columns.map((c, i) => Buffer.from(`${i === 0 ? "{" : ","}"${c.name}":`));
    this.#kinds = Uint8Array.from(columns.map((c) => KIND_CODE[c.kind]));
    // Per row at most: the keys, the closing brace and newline, and per value quotes, `false` and
    // a timestamp's padding.
    this.#fixedPerRow = this.#keys.reduce((n, k) => n + k.length + 9, 2);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    const input = this.#rest ? Buffer.concat([this.#rest, chunk]) : chunk;
    const end = input.lastIndexOf(NL) + 1;
    this.#rest = end < input.length ? input.subarray(end) : null;
    if (end === 0) {
      done();
      return;
    }
    // A text value's byte can grow to six (`\u00xx`); each row has at least one byte per column.
    const rows = Math.floor(end / this.#kinds.length) + 1;
    const bound = end * 6 + rows * this.#fixedPerRow;
    if (this.#out.length < bound) this.#out = Buffer.allocUnsafe(bound);
    this.#at = 0;
    try {
      let p = 0;
      while (p < end) p = this.#row(input, p);
    } catch (error) {
      done(error as Error);
      return;
    }
    done(null, Buffer.from(this.#out.subarray(0, this.#at)));
  }

  override _flush(done: TransformCallback): void {
    done(this.#rest ? new DataError("COPY output ended inside a row") : null);
  }

  /** Encodes the row starting at `start`; returns the offset after its newline. */
  #row(input: Buffer, start: number): number {
    const out = this.#out;
    const kinds = this.#kinds;
    const keys = this.#keys;
    const last = kinds.length - 1;
    let p = start;
    for (let i = 0; i <= last; i++) {
      const key = keys[i] as Buffer;
      let at = copyBytes(key, 0, key.length, out, this.#at);
      const kind = kinds[i] as number;
      let e = p;
      // Each field is read up to its delimiter while it is written: a tab or a newline in a
      // value is always escaped by COPY, and the chunk ends with a newline.
      if (input[p] === BACKSLASH && input[p + 1] === 78 && (input[p + 2] === TAB || input[p + 2] === NL)) {
        at = copyBytes(NULL_JSON, 0, NULL_JSON.length, out, at);
        e = p + 2;
      } else if (kind === 2) {
        const value = input[p] === 116 ? TRUE_JSON : FALSE_JSON;
        at = copyBytes(value, 0, value.length, out, at);
        e = p + 1;
      } else if (kind <= 3) {
        // integer, numeric, timestamp: their text has no escapes
        if (kind !== 0) out[at++] = QUOTE;
        const from = at;
        let b = input[e] as number;
        while (b !== TAB && b !== NL) {
          out[at++] = b;
          b = input[++e] as number;
        }
        if (kind === 3) at = timestampEnd(out, from, at);
        else if (kind === 1) out[at++] = QUOTE;
      } else {
        e = this.#text(input, p, at, kind === 4);
        at = this.#at;
      }
      if ((input[e] === NL) !== (i === last)) {
        throw new DataError(`COPY row has a different number of columns than ${kinds.length}`);
      }
      this.#at = at;
      p = e + 1;
    }
    out[this.#at++] = 125; // }
    out[this.#at++] = NL;
    return p;
  }

  /**
   * The text value at `p` written at `at`, COPY's backslash escapes undone; `quote`: as a JSON
   * string, escaped as `escape_json` does. Returns the offset of its delimiter; sets `#at`.
   */
  #text(input: Buffer, p: number, start: number, quote: boolean): number {
    const out = this.#out;
    let at = start;
    if (quote) out[at++] = QUOTE;
    let i = p;
    for (let b = input[i] as number; b !== TAB && b !== NL; b = input[++i] as number) {
      if (b === BACKSLASH) {
        const c = input[++i] as number;
        b = COPY_ESCAPES.get(c) ?? c;
      }
      if (quote && (b < 32 || b === QUOTE || b === BACKSLASH)) {
        out[at++] = BACKSLASH;
        const short = JSON_SHORT.get(b);
        if (short !== undefined) {
          out[at++] = short;
        } else {
          out[at++] = 117; // u00xx
          out[at++] = 48;
          out[at++] = 48;
          out[at++] = HEX[b >> 4] as number;
          out[at++] = HEX[b & 15] as number;
        }
      } else {
        out[at++] = b;
      }
    }
    if (quote) out[at++] = QUOTE;
    this.#at = at;
    return i;
  }
}

/**
 * Completes a timestamp whose ISO text is at `out[from, at)`, after an opening quote, as
 * `to_char(ts, 'YYYY-MM-DD HH24:MI:SS.US')` gives it: the fraction padded to six digits, a BC
 * year without its ` BC` (`YYYY` drops the era), an infinity `null` (to_char gives null).
 * Returns the offset after it.
 */
function timestampEnd(out: Buffer, from: number, at: number): number {
  if (out[from] === 105 || out[from + 1] === 105)
    return copyBytes(NULL_JSON, 0, NULL_JSON.length, out, from - 1);
  let end = out[at - 1] === 67 && out[at - 3] === 32 ? at - 3 : at;
  // The seconds end 3 bytes after the last ':'; the fraction, if any, follows them.
  let colon = end - 1;
  while (out[colon] !== 58) colon--;
  const digits = end - colon === 3 ? 0 : end - colon - 4;
  if (digits === 0) out[end++] = 46; // .
  for (let d = digits; d < 6; d++) out[end++] = 48;
  out[end++] = QUOTE;
  return end;
}

/**
 * `from[start, end)` into `to` at `at`; returns the offset after it. A loop: the values are
 * short, and `Buffer.copy`'s call costs more than it copies.
 */
function copyBytes(from: Buffer, start: number, end: number, to: Buffer, at: number): number {
  let o = at;
  for (let i = start; i < end; i++) to[o++] = from[i] as number;
  return o;
}
