import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { CopyTextWriter } from "./copy-text";
import { readRowGroups } from "./parquet-row-groups";
import { copyIntoStagingSql, type TablePlan } from "./statements";

/** Rows encoded per slice: large enough to amortise a write, small enough to keep COPY fed. */
const SLICE_ROWS = 16_384;

async function* copyChunks(plan: TablePlan, bytes: Uint8Array, file: string): AsyncGenerator<Buffer> {
  const writer = new CopyTextWriter();
  const names = plan.columns.map((c) => c.name);
  for await (const group of readRowGroups(bytes, names, file)) {
    for (let from = 0; from < group.rows; from += SLICE_ROWS) {
      writer.rows(plan.columns, group.vectors, from, Math.min(group.rows, from + SLICE_ROWS));
      yield* writer.take();
    }
  }
}

/**
 * Streams one Parquet file into the table's staging table with `COPY ... FROM STDIN` (text
 * format) and returns the rows PostgreSQL counted.
 *
 * Decoding overlaps with the server: row groups are decoded one at a time and encoded in slices
 * into 1 MiB chunks; the COPY stream's back-pressure pauses encoding only while the socket is
 * full, so PostgreSQL parses one slice while the next is encoded. A decoding error aborts the
 * COPY (CopyFail) and leaves the transaction to be rolled back by the caller.
 */
export async function copyParquetIntoStaging(
  client: pg.ClientBase,
  plan: TablePlan,
  bytes: Uint8Array,
  file: string,
): Promise<number> {
  const stream = client.query(copyFrom(copyIntoStagingSql(plan)));
  await pipeline(Readable.from(copyChunks(plan, bytes, file)), stream);
  return stream.rowCount;
}
