import { CopyTextWriter } from "@etl/db/warehouse";
import type { Row } from "./seed-table";

/*
 * Rows in PostgreSQL's COPY text format, through the one COPY text encoder (`CopyTextWriter` of
 * @etl/db): straight into byte buffers, no string per line.
 */

/** One row in COPY text format, newline-terminated (for tests and small writes). */
export function copyLine(row: Row): string {
  const writer = new CopyTextWriter(256);
  writer.values(row);
  return Buffer.concat(writer.take()).toString("utf8");
}

/**
 * Rows in COPY text format as buffers of about `chunkBytes` bytes, each ending with a whole row:
 * big writes keep the stream's per-write cost negligible, and the rows are generated as the
 * stream asks for them.
 */
export function* copyChunks(
  rows: Iterable<Row>,
  onRows: (n: number) => void = () => {},
  chunkBytes = 1 << 20,
): Generator<Buffer> {
  const writer = new CopyTextWriter(chunkBytes + 4096);
  let count = 0;
  for (const row of rows) {
    writer.values(row);
    count += 1;
    if (writer.pending >= chunkBytes) {
      yield Buffer.concat(writer.take());
      onRows(count);
      count = 0;
    }
  }
  if (writer.pending > 0) {
    yield Buffer.concat(writer.take());
    onRows(count);
  }
}
