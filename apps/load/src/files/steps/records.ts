const NEWLINE = 10;
const CR = 13;

export interface RecordSplitOptions {
  /** CSV quote: a newline between quotes belongs to the field, not the end of a record. */
  quote?: string;
  /** Inside quotes, the character after this one is taken as it is (when it differs from the quote). */
  escape?: string;
}

/**
 * The records of a text stream, one Buffer each, without the line break (`\n` or `\r\n`).
 * With a quote, the split is quote-aware: a quoted field may hold line breaks. Quote and escape
 * are ASCII, so scanning UTF-8 bytes for them is exact.
 *
 * @example
 * for await (const record of readRecords(stream, { quote: '"' })) count++;
 */
export async function* readRecords(
  source: AsyncIterable<Uint8Array | string>,
  options: RecordSplitOptions = {},
): AsyncGenerator<Buffer> {
  const quote = options.quote === undefined ? -1 : options.quote.charCodeAt(0);
  const escapeChar =
    options.escape === undefined || options.escape === options.quote ? -1 : options.escape.charCodeAt(0);
  let pending: Buffer[] = [];
  let inQuote = false;
  let escaped = false;
  const take = (tail: Buffer): Buffer => {
    const whole = pending.length === 0 ? tail : Buffer.concat([...pending, tail]);
    pending = [];
    return whole.length > 0 && whole[whole.length - 1] === CR ? whole.subarray(0, whole.length - 1) : whole;
  };
  for await (const piece of source) {
    const chunk =
      typeof piece === "string"
        ? Buffer.from(piece, "utf8")
        : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    let start = 0;
    if (quote < 0) {
      for (let i = chunk.indexOf(NEWLINE, start); i >= 0; i = chunk.indexOf(NEWLINE, start)) {
        yield take(chunk.subarray(start, i));
        start = i + 1;
      }
    } else {
      for (let i = 0; i < chunk.length; i++) {
        const c = chunk[i];
        if (escaped) escaped = false;
        else if (inQuote && c === escapeChar) escaped = true;
        else if (c === quote) inQuote = !inQuote;
        else if (c === NEWLINE && !inQuote) {
          yield take(chunk.subarray(start, i));
          start = i + 1;
        }
      }
    }
    if (start < chunk.length) pending.push(chunk.subarray(start));
  }
  if (pending.length > 0) {
    const last = take(Buffer.alloc(0));
    if (last.length > 0) yield last;
  }
}

/** True for a record of only spaces and tabs (or nothing): blank lines are skipped. */
export function isBlank(record: Buffer): boolean {
  for (const byte of record) if (byte !== 32 && byte !== 9) return false;
  return true;
}

/** Characters `start` to `end` (from 1, inclusive) of a record, as text. */
export function charsAt(record: Buffer, start: number, end: number): string {
  // A character is at most 4 bytes in UTF-8: decode no more than the positions can need.
  const text = record.toString("utf8", 0, Math.min(record.length, end * 4));
  return Array.from(text)
    .slice(start - 1, end)
    .join("");
}

/** Characters (code points) of a UTF-8 record: every byte that does not continue a character. */
export function charLength(record: Buffer): number {
  let count = 0;
  for (const byte of record) if ((byte & 0xc0) !== 0x80) count++;
  return count;
}

/** The record padded with spaces, or cut, to exactly `length` characters. */
export function fitLength(record: Buffer, length: number): Buffer {
  const have = charLength(record);
  if (have < length) return Buffer.concat([record, Buffer.alloc(length - have, 0x20)]);
  if (have === length) return record;
  let chars = 0;
  for (let i = 0; i < record.length; i++) {
    if (((record[i] ?? 0) & 0xc0) !== 0x80) {
      if (chars === length) return record.subarray(0, i);
      chars++;
    }
  }
  return record;
}

export interface FieldSplitOptions {
  delimiter: string;
  quote: string;
  /** Inside quotes, the next character is literal; the quote itself means a doubled quote. */
  escape: string;
}

/**
 * The fields of one delimited record as text, quotes removed (`"a,b"` is `a,b`, a doubled quote
 * inside quotes is one quote, an escaped character is itself). For header lines: the records are
 * parsed by the warehouse's COPY.
 */
export function splitFields(record: string, options: FieldSplitOptions): string[] {
  const fields: string[] = [];
  let field = "";
  let inQuote = false;
  for (let i = 0; i < record.length; i++) {
    const c = record.charAt(i);
    if (inQuote) {
      if (c === options.escape && options.escape !== options.quote && i + 1 < record.length) {
        field += record.charAt(++i);
      } else if (c === options.quote) {
        if (record.charAt(i + 1) === options.quote) {
          field += c;
          i++;
        } else inQuote = false;
      } else field += c;
    } else if (c === options.quote) inQuote = true;
    else if (c === options.delimiter) {
      fields.push(field);
      field = "";
    } else field += c;
  }
  fields.push(field);
  return fields;
}
