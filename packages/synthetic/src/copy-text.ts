import type { Row } from "./seed-table";

const TAB = 9;
const NEWLINE = 10;
const BACKSLASH = 92;

/**
 * Writes rows in PostgreSQL's COPY text format (tab-separated, `\N` for NULL, `t`/`f`,
 * backslash escapes) straight into a byte buffer: no string per line, so the garbage collector
 * has little to do even at tens of millions of rows.
 */
export class CopyTextEncoder {
  private buffer: Buffer;
  private used = 0;

  constructor(private readonly chunkBytes = 1 << 20) {
    this.buffer = Buffer.allocUnsafe(chunkBytes + 4096);
  }

  get size(): number {
    return this.used;
  }

  /** Hands over the bytes written so far and starts a new buffer. */
  take(): Buffer {
    const full = this.buffer.subarray(0, this.used);
    this.buffer = Buffer.allocUnsafe(this.chunkBytes + 4096);
    this.used = 0;
    return full;
  }

  writeRow(row: Row): void {
    for (let i = 0; i < row.length; i++) {
      this.ensure(24);
      if (i > 0) this.buffer[this.used++] = TAB;
      const value = row[i] ?? null;
      if (value === null) {
        this.buffer[this.used++] = BACKSLASH;
        this.buffer[this.used++] = 78; // N
      } else if (typeof value === "number") {
        if (Number.isSafeInteger(value) && value >= 0) this.writeUnsigned(value);
        else this.writeString(String(value));
      } else if (typeof value === "boolean") {
        this.buffer[this.used++] = value ? 116 : 102; // t / f
      } else {
        this.writeString(value);
      }
    }
    this.ensure(1);
    this.buffer[this.used++] = NEWLINE;
  }

  private ensure(bytes: number): void {
    if (this.used + bytes <= this.buffer.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.used + bytes));
    this.buffer.copy(bigger, 0, 0, this.used);
    this.buffer = bigger;
  }

  private writeUnsigned(value: number): void {
    if (value < 10) {
      this.buffer[this.used++] = 48 + value;
      return;
    }
    let digits = 0;
    for (let v = value; v > 0; v = Math.floor(v / 10)) digits++;
    let at = this.used + digits - 1;
    for (let v = value; v > 0; v = Math.floor(v / 10)) this.buffer[at--] = 48 + (v % 10);
    this.used += digits;
  }

  private writeString(value: string): void {
    this.ensure(value.length);
    const buffer = this.buffer;
    let used = this.used;
    for (let i = 0; i < value.length; i++) {
      const c = value.charCodeAt(i);
      if (c >= 0x80 || c === BACKSLASH || c === TAB || c === NEWLINE || c === 13) {
        // Rare: escape and encode the rest through the general path.
        this.used = used;
        this.writeEscaped(value.slice(i));
        return;
      }
      buffer[used++] = c;
    }
    this.used = used;
  }

  private writeEscaped(value: string): void {
    const escaped = value.replace(/[\\\t\n\r]/g, (c) =>
      c === "\\" ? "\\\\" : c === "\t" ? "\\t" : c === "\n" ? "\\n" : "\\r",
    );
    this.ensure(Buffer.byteLength(escaped, "utf8"));
    this.used += this.buffer.write(escaped, this.used, "utf8");
  }
}

/** One row in COPY text format, newline-terminated (for tests and small writes). */
export function copyLine(row: Row): string {
  const encoder = new CopyTextEncoder(256);
  encoder.writeRow(row);
  return encoder.take().toString("utf8");
}

/**
 * Rows in COPY text format as buffers of about `chunkBytes` bytes: big writes keep the stream's
 * per-write cost negligible, and the rows are generated as the stream asks for them.
 */
export function* copyChunks(
  rows: Iterable<Row>,
  onRows: (n: number) => void = () => {},
  chunkBytes = 1 << 20,
): Generator<Buffer> {
  const encoder = new CopyTextEncoder(chunkBytes);
  let count = 0;
  for (const row of rows) {
    encoder.writeRow(row);
    count += 1;
    if (encoder.size >= chunkBytes) {
      yield encoder.take();
      onRows(count);
      count = 0;
    }
  }
  if (encoder.size > 0) {
    yield encoder.take();
    onRows(count);
  }
}
