import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { parquetColumnNames, readRowGroups } from "@etl/s3-io/parquet-read";
import { SOURCE_UPDATED_AT_COLUMN } from "@etl/schemas";
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { CopyTextWriter } from "./copy-text";
import { ReferenceKeys } from "./reference-keys";
import { copyIntoStagingSql, type TablePlan } from "./statements";

/** Rows encoded per slice: large enough to amortise a write, small enough to keep COPY fed. */
const SLICE_ROWS = 16_384;

async function* copyChunks(
  plan: TablePlan,
  bytes: Uint8Array,
  file: string,
  keys: ReferenceKeys | undefined,
): AsyncGenerator<Buffer> {
  const writer = new CopyTextWriter();
  const names = plan.columns.map((c) => c.name);
  for await (const group of readRowGroups(bytes, names, file)) {
    for (let from = 0; from < group.rows; from += SLICE_ROWS) {
      const to = Math.min(group.rows, from + SLICE_ROWS);
      writer.rows(plan.columns, group.vectors, from, to);
      if (keys) for (const [c, name] of names.entries()) keys.add(name, group.vectors[c] ?? [], from, to);
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
 * A Parquet file decoded and encoded for COPY: the columns it has (see `planOfFile`), the text,
 * and for a fact the distinct keys of its reference columns (see `ReferenceKeys`).
 */
export interface EncodedParquet {
  columns: TablePlan["columns"];
  chunks: Buffer[];
  keys?: ReferenceKeys;
}

/** Reads the file at a position of the run's file list, decoded and encoded for COPY. */
export type ReadEncoded = (position: number) => Promise<EncodedParquet>;

const yieldToIo = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Decodes one Parquet file and encodes its rows for `COPY ... FROM STDIN` (text format), giving
 * the event loop a turn after each slice: run one file ahead of the COPY, it overlaps Node's
 * decoding with PostgreSQL's parsing of the file before, on one thread (the COPY's writes go on
 * between slices), where decoding inside the COPY left the server waiting for each row group.
 * About 10 MB of text per file of 100k fact rows.
 */
export async function encodeParquet(
  plan: TablePlan,
  bytes: Uint8Array,
  file: string,
): Promise<EncodedParquet> {
  const filePlan = planOfFile(plan, bytes, file);
  const chunks: Buffer[] = [];
  const keys = ReferenceKeys.of(filePlan);
  for await (const chunk of copyChunks(filePlan, bytes, file, keys)) {
    chunks.push(chunk);
    await yieldToIo();
  }
  return keys ? { columns: filePlan.columns, chunks, keys } : { columns: filePlan.columns, chunks };
}

/**
 * COPYs an encoded file into the table's staging table (or `into`, a quoted table name) and
 * returns the rows PostgreSQL counted.
 */
export async function copyEncodedInto(
  client: pg.ClientBase,
  plan: TablePlan,
  encoded: EncodedParquet,
  into?: string,
): Promise<number> {
  const stream = client.query(copyFrom(copyIntoStagingSql({ ...plan, columns: encoded.columns }, into)));
  await pipeline(Readable.from(encoded.chunks), stream);
  return stream.rowCount;
}
