import type { StarTable } from "@etl/schemas";
import type pg from "pg";
import { LoadDataError, toLoadError } from "../errors";
import { copyEncodedInto, encodeParquet, type ReadEncoded, withBinaryCopy } from "./copy-parquet";
import { insertIntoEmpty } from "./first-load-savepoint";
import { describeMissingReferences, type MissingReference, referenceCheckSql } from "./reference-check";
import type { ReferenceKeys } from "./reference-keys";
import { run } from "./run-statement";
import {
  ADVISORY_LOCK_SQL,
  type CopyFormat,
  copyIntoStagingSql,
  createStagingSql,
  dropStagingSql,
  lockName,
  mergeSql,
  type TablePlan,
  tablePlan,
} from "./statements";

export { run } from "./run-statement";

// One star table's load: its files COPYed into a staging table, then merged. A run's load
// (load-run.ts) calls it per table inside its own transaction and ledger; the benchmark calls it
// alone through loadParquetIntoPostgres.

export interface FileLoadResult {
  table: StarTable;
  key: string;
  status: "loaded" | "skipped";
  rows: number;
  durationMs: number;
}

export interface TableLoadResult {
  table: StarTable;
  files: number;
  /** Rows copied into staging. */
  rows: number;
  inserted: number;
  updated: number;
  durationMs: number;
  /**
   * How the staged rows went in: `first-load` when the table was empty and took the insert of
   * `firstLoadSql`, `merge` otherwise (absent until the table is merged).
   */
  path?: MergePath;
}

export type MergePath = "first-load" | "merge";

export interface MergeOptions {
  /** Whether a table found empty takes the first-load insert (`firstLoadSql`); true by default. */
  firstLoadInsert?: boolean;
  /** The distinct reference keys of the staged rows, collected as they were encoded. */
  keys?: ReferenceKeys;
}

/** A table's files copied: the table's counts, each file's, and a fact's reference keys. */
export interface CopiedTable {
  table: TableLoadResult;
  files: FileLoadResult[];
  keys?: ReferenceKeys;
}

export interface StagedFile {
  /** `rows` is checked against what COPY counted, when known. */
  file: { key: string; rows?: number };
  position: number;
}

/** Stages every file of one table, merges it into the target, drops the staging table. */
export async function loadTable(
  client: pg.ClientBase,
  plan: TablePlan,
  files: readonly StagedFile[],
  read: ReadEncoded,
  onFileLoaded: ((result: FileLoadResult) => void | Promise<void>) | undefined,
  options: MergeOptions = {},
): Promise<{ table: TableLoadResult; files: FileLoadResult[] }> {
  const started = performance.now();
  const staged = await stageTable(client, plan, files, read, onFileLoaded);
  const merged = await mergeStaged(client, plan, { ...options, keys: staged.keys });
  return {
    table: { ...staged.table, ...merged, durationMs: Math.round(performance.now() - started) },
    files: staged.files,
  };
}

/**
 * Creates the table's staging table and COPYs its files into it, in order, each checked against
 * its manifest's row count. On its own connection (a shared staging table) each statement
 * commits by itself; the merge reads the table later, in the run's transaction.
 */
export async function stageTable(
  client: pg.ClientBase,
  plan: TablePlan,
  files: readonly StagedFile[],
  read: ReadEncoded,
  onFileLoaded: ((result: FileLoadResult) => void | Promise<void>) | undefined,
): Promise<CopiedTable> {
  const context = { table: plan.table };
  await run(client, dropStagingSql(plan), [], context);
  await run(client, createStagingSql(plan), [], context);
  return copyFiles(client, plan, files, read, onFileLoaded);
}

/**
 * COPYs a table's files, in order, into its staging table (or `into`, a quoted table name), each
 * checked against its manifest's row count; `onFileLoaded` after each. A fact's reference keys
 * are those of every file (none when a file came without them).
 */
export async function copyFiles(
  client: pg.ClientBase,
  plan: TablePlan,
  files: readonly StagedFile[],
  read: ReadEncoded,
  onFileLoaded: ((result: FileLoadResult) => void | Promise<void>) | undefined,
  into?: string,
): Promise<CopiedTable> {
  const started = performance.now();
  const results: FileLoadResult[] = [];
  let rows = 0;
  let keys: ReferenceKeys | undefined;
  let allKeyed = true;
  for (const { file, position } of files) {
    const fileStarted = performance.now();
    const fileContext = { table: plan.table, key: file.key };
    let copied: number;
    let format: CopyFormat = "text";
    try {
      const encoded = await read(position);
      format = encoded.format;
      copied = await copyEncodedInto(client, plan, encoded, into);
      if (!encoded.keys) allKeyed = false;
      else if (keys) keys.merge(encoded.keys);
      else keys = encoded.keys;
    } catch (error) {
      throw toLoadError(error, { ...fileContext, sql: copyIntoStagingSql(plan, into, format) });
    }
    if (file.rows !== undefined && copied !== file.rows) {
      throw new LoadDataError(
        `${plan.table} ${file.key}: the file holds ${copied} rows, its manifest says ${file.rows}`,
        fileContext,
        { code: "ROW_COUNT_MISMATCH" },
      );
    }
    rows += copied;
    const result: FileLoadResult = {
      table: plan.table,
      key: file.key,
      status: "loaded",
      rows: copied,
      durationMs: Math.round(performance.now() - fileStarted),
    };
    results.push(result);
    await onFileLoaded?.(result);
  }
  return {
    table: {
      table: plan.table,
      files: files.length,
      rows,
      inserted: 0,
      updated: 0,
      durationMs: Math.round(performance.now() - started),
    },
    files: results,
    ...(keys && allKeyed ? { keys } : {}),
  };
}

/**
 * Checks a fact's references, moves the staged rows into the target (the first-load insert when
 * the target is empty, the merge otherwise), drops the staging table.
 */
export async function mergeStaged(
  client: pg.ClientBase,
  plan: TablePlan,
  options: MergeOptions = {},
): Promise<{ inserted: number; updated: number; path: MergePath }> {
  const context = { table: plan.table };
  if (plan.kind === "fact") await checkReferences(client, plan, undefined, options.keys);
  const first = options.firstLoadInsert === false ? undefined : await insertIntoEmpty(client, plan);
  let result: { inserted: number; updated: number; path: MergePath };
  if (first !== undefined) {
    result = { inserted: first, updated: 0, path: "first-load" };
  } else {
    const merge = mergeSql(plan);
    const merged = await run<{ inserted?: number; updated?: number }>(client, merge, [], context);
    const counts = merged.rows[0];
    result = {
      inserted: counts?.inserted ?? merged.rowCount ?? 0,
      updated: counts?.updated ?? 0,
      path: "merge",
    };
  }
  await run(client, dropStagingSql(plan), [], context);
  return result;
}

/**
 * Refuses staged fact rows that reference a key their dimension lacks, naming the keys: the
 * set-based check that stands in for per-row foreign-key triggers (see `ForeignKeyMode`). The
 * dimensions were merged before, in the same transaction, so a key this run brings counts.
 * `keys`, the rows' distinct reference keys collected as they were encoded, spare a probe per
 * row for every column they hold completely.
 */
export async function checkReferences(
  client: pg.ClientBase,
  plan: TablePlan,
  rows?: string,
  keys?: ReferenceKeys,
): Promise<void> {
  const known = keys?.complete() ?? new Map<string, string[]>();
  const sql = referenceCheckSql(plan, rows, [...known.keys()]);
  const params = [...known.values()];
  const missing = await run<MissingReference>(client, sql, params, { table: plan.table });
  if (missing.rows.length === 0) return;
  throw new LoadDataError(
    describeMissingReferences(plan, missing.rows),
    { table: plan.table, sql },
    { code: "MISSING_REFERENCE" },
  );
}

export async function rollback(client: pg.ClientBase): Promise<void> {
  try {
    await client.query("rollback");
  } catch {
    // The connection is gone: PostgreSQL has rolled the transaction back already.
  }
}

export interface ParquetTableLoad {
  table: StarTable;
  /** Parquet files of the table, in order. */
  files: readonly Uint8Array[];
  schema?: string;
}

/**
 * Loads Parquet files into one star table in one transaction (staging COPY, then the table's
 * merge), without the run ledger: the entry point of the load benchmark, and the same code path
 * as `loadRunIntoPostgres` for one table.
 *
 * @example
 * const { inserted } = await loadParquetIntoPostgres(client, { table: "fact_sales_order", files: [bytes] });
 */
export async function loadParquetIntoPostgres(
  client: pg.ClientBase,
  load: ParquetTableLoad,
): Promise<TableLoadResult> {
  const schema = load.schema ?? "warehouse";
  const staged = load.files.map((_, i) => ({ file: { key: `${load.table}#${i + 1}` }, position: i }));
  await run(client, "begin", [], {});
  try {
    await run(client, ADVISORY_LOCK_SQL, [lockName(schema)], {});
    const [plan = tablePlan(load.table, schema)] = await withBinaryCopy(client, [
      tablePlan(load.table, schema),
    ]);
    const result = await loadTable(
      client,
      plan,
      staged,
      async (i) => encodeParquet(plan, load.files[i] ?? new Uint8Array(), `${load.table}#${i + 1}`),
      undefined,
    );
    await run(client, "commit", [], {});
    return result.table;
  } catch (error) {
    await rollback(client);
    throw error;
  }
}
