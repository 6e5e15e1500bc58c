import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { parquetColumnNames, readRowGroups } from "@etl/s3-io/parquet-read";
import { SOURCE_UPDATED_AT_COLUMN } from "@etl/schemas";
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { CopyTextWriter } from "./copy-text";
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
 * The plan of one file: a dimension file written before `source_updated_at` was added lacks that
 * trailing column (the load's footer check accepted it for that reason alone), so it is left out
 * of the COPY's column list and staged as NULL, which the merge treats as older than any dated row.
 */
function planOfFile(plan: TablePlan, bytes: Uint8Array, file: string): TablePlan {
  const last = plan.columns[plan.columns.length - 1];
  if (last?.name !== SOURCE_UPDATED_AT_COLUMN) return plan;
  if (parquetColumnNames(bytes, file).includes(SOURCE_UPDATED_AT_COLUMN)) return plan;
  return { ...plan, columns: plan.columns.slice(0, -1) };
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
  const filePlan = planOfFile(plan, bytes, file);
  const stream = client.query(copyFrom(copyIntoStagingSql(filePlan)));
  await pipeline(Readable.from(copyChunks(filePlan, bytes, file)), stream);
  return stream.rowCount;
}
