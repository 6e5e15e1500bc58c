import type { ColumnType } from "@etl/schemas";

/** A column of rows to COPY: its name, its type, and for `decimal` its digits after the point. */
export interface CopyColumn {
  name: string;
  type: ColumnType;
  /** Digits after the point, for `decimal` only. */
  scale?: number;
}

/**
 * Bytes for a COPY stream accumulated in fixed-size buffers, shared by the text and the binary
 * writers: `ensure` makes room (starting a new buffer when the current one is full), `take()`
 * hands over the filled buffers, each written to the COPY stream as one chunk.
 */
export abstract class CopyChunks {
  protected buffer: Buffer;
  protected position = 0;
  private readonly filled: Buffer[] = [];
  private readonly chunkSize: number;

  constructor(chunkSize: number) {
    this.chunkSize = chunkSize;
    this.buffer = Buffer.allocUnsafe(chunkSize);
  }

  /** Bytes written and not yet taken. */
  get pending(): number {
    return this.filled.reduce((n, b) => n + b.length, 0) + this.position;
  }

  /** The buffers filled so far, including the partly filled one; the writer starts afresh. */
  take(): Buffer[] {
    if (this.position > 0) {
      this.filled.push(this.buffer.subarray(0, this.position));
      this.buffer = Buffer.allocUnsafe(this.chunkSize);
      this.position = 0;
    }
    return this.filled.splice(0, this.filled.length);
  }

  /** Ends the data (the binary format's trailer; the text format has none). */
  finish(): void {}

  /** Room for `bytes` more at `position`. */
  protected ensure(bytes: number): void {
    if (this.position + bytes <= this.buffer.length) return;
    if (this.position > 0) this.filled.push(this.buffer.subarray(0, this.position));
    this.buffer = Buffer.allocUnsafe(Math.max(this.chunkSize, bytes));
    this.position = 0;
  }
}

/** Each column's kind (a small integer, so a hot loop switches on a number) and scale. */
export function columnCodes(
  columns: readonly CopyColumn[],
  kinds: Record<ColumnType, number>,
): { kinds: Int8Array; scales: Int8Array } {
  return {
    kinds: Int8Array.from(columns, (c) => kinds[c.type]),
    scales: Int8Array.from(columns, (c) => c.scale ?? 0),
  };
}
