import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { RunId } from "@etl/schemas";
import {
  DateSet,
  DEFAULT_PART_ROWS,
  emptyReferenceState,
  readRawManifest,
  transformStreamedTable,
} from "@etl/transform/streaming";
import { createDirectoryObjectStore } from "./directory-object-store";
import { writeSalesOrdersRaw } from "./write-sales-orders-raw";

/** What one side of the benchmark produced, and how long it took (wall clock). */
export interface BenchOutcome {
  rows: number;
  /** Absolute paths of the Parquet files written. */
  files: string[];
  bytes: number;
  ms: number;
}

/** The attempt token of the benchmark's keys: one attempt, and a fixed token keeps its keys stable. */
const BENCH_ATTEMPT = "00000000";

/** The buckets of the benchmark's directory store: `<dir>/ingest` and `<dir>/processed`. */
export const BENCH_BUCKETS = { ingest: "ingest", processed: "processed" } as const;

export interface SalesOrdersRawRun {
  runId: RunId;
  rows: number;
  /** Absolute paths of the gzip JSON Lines parts (what DuckDB's `read_json` reads). */
  files: string[];
}

/**
 * Writes `rows` synthetic sales orders as an ingest run would: gzip JSON Lines parts of
 * `maxPartBytes` under `<dir>/ingest/raw/sales_order/...` (timestamps as text with six fraction
 * digits, `unit_price` as a string, ids as numbers) and the manifest `<dir>/ingest/runs/<runId>.json`.
 * Deterministic; not timed.
 */
export async function writeSalesOrdersRawRun(options: {
  dir: string;
  rows: number;
  /** Uncompressed bytes per raw part; ingest's default is 64 MiB. */
  maxPartBytes?: number;
  runId?: RunId;
}): Promise<SalesOrdersRawRun> {
  const runId = options.runId ?? "20240101T000000000Z-00000001";
  const store = createDirectoryObjectStore(options.dir);
  await rm(join(options.dir, BENCH_BUCKETS.ingest), { recursive: true, force: true });
  const manifest = await writeSalesOrdersRaw(store, BENCH_BUCKETS.ingest, runId, {
    rows: options.rows,
    maxPartBytes: options.maxPartBytes ?? 64 * 1024 * 1024,
  });
  const files = manifest.tables.flatMap((t) =>
    t.files.map((f) => join(options.dir, BENCH_BUCKETS.ingest, f.key)),
  );
  return { runId, rows: options.rows, files };
}

/**
 * The transform's own path for one table, timed: the run's raw `sales_order` parts are streamed,
 * every row validated with the source schema, formatted by `toFactSalesOrder` and written as
 * `fact_sales_order` Parquet parts of `partRows` rows (the production default, `DEFAULT_PART_ROWS`) to
 * `<dir>/processed/star/...`. Reference checks are off (the benchmark has no reference tables).
 * Earlier outputs are removed first, untimed.
 *
 * @example
 * const raw = await writeSalesOrdersRawRun({ dir, rows: 1_000_000 });
 * const ours = await transformSalesOrdersBench({ dir, runId: raw.runId });
 */
export async function transformSalesOrdersBench(options: {
  dir: string;
  runId: RunId;
  partRows?: number;
}): Promise<BenchOutcome> {
  const store = createDirectoryObjectStore(options.dir);
  await rm(join(options.dir, BENCH_BUCKETS.processed), { recursive: true, force: true });
  const started = performance.now();
  const manifest = await readRawManifest(store, BENCH_BUCKETS.ingest, options.runId);
  const files = manifest.tables.filter((t) => t.table === "sales_order").flatMap((t) => t.files);
  const result = await transformStreamedTable("sales_order", files, {
    store,
    ingestBucket: BENCH_BUCKETS.ingest,
    processedBucket: BENCH_BUCKETS.processed,
    runId: options.runId,
    attempt: BENCH_ATTEMPT,
    partRows: options.partRows ?? DEFAULT_PART_ROWS,
    state: emptyReferenceState(),
    checkReferences: false,
    dates: new DateSet(),
  });
  const ms = performance.now() - started;
  return {
    rows: result.rows,
    files: result.files.map((f) => join(options.dir, BENCH_BUCKETS.processed, f.key)),
    bytes: result.files.reduce((n, f) => n + f.bytes, 0),
    ms,
  };
}
