import { DataError, type StarDeletion, type StarTable } from "@etl/schemas";
import type pg from "pg";
import { PreviousRunNotLoadedError } from "../errors";
import { applyPostgresDeletions } from "./apply-deletions";
import { withBinaryCopy } from "./copy-parquet";
import { isEmpty } from "./first-load-savepoint";
import { type FileLoadResult, rollback, run, type StagedFile, type TableLoadResult } from "./load-table";
import { loadOneTable, type ParquetFileSource, prefetching, type StagedTable } from "./run-tables";

export type { ParquetFileSource } from "./run-tables";

import { dropSharedStaging, type StagingWork, sharedStaging, stageInParallel } from "./stage-parallel";
import {
  ADVISORY_LOCK_SQL,
  insertLoadedFilesSql,
  loadedKeysSql,
  lockName,
  runStatusSql,
  type TablePlan,
  tablePlan,
  upsertLoadedTablesSql,
  upsertLoadRunSql,
} from "./statements";

export interface TableFiles {
  table: StarTable;
  files: readonly ParquetFileSource[];
}

export interface RunLoadResult {
  runId: string;
  /** `skipped` when the ledger already has the run as FINISHED: nothing was written. */
  status: "loaded" | "skipped";
  files: FileLoadResult[];
  tables: TableLoadResult[];
  /** Rows read from the files into staging. */
  rows: number;
  /** Rows the merges inserted and updated: what the run changed (0 and 0 for a duplicate). */
  inserted: number;
  updated: number;
  /** Rows the run's deletions wrote: dimension rows marked deleted, fact deletion versions added. */
  deleted: number;
}

export interface PostgresRunLoad {
  runId: string;
  /** The tables of the run in load order (dimensions before facts), each with its files in order. */
  tables: readonly TableFiles[];
  /** The warehouse's name in the ledger (`etl.load_runs.target`). */
  target?: string;
  /**
   * The run before this one, from the manifest: the load refuses this run (retryable
   * `PreviousRunNotLoadedError`) until the ledger has that one as FINISHED. Null for the first
   * run; undefined for manifests written before runs carried it (no check).
   */
  previousRunId?: string | null;
  /** Rows deleted at the source, per star table (the processed manifest's `deletions`). */
  deletions?: readonly StarDeletion[];
  schema?: string;
  controlSchema?: string;
  now?: () => Date;
  /**
   * New connections to the same warehouse, for staging tables in parallel (`stagingConnections`
   * at once, counting the run's own): each table is COPYed into a shared unlogged staging table
   * on its own connection, then the run's one transaction checks and merges them in load order.
   * Without it every table is staged and merged on `client`.
   */
  connect?: () => Promise<pg.Client>;
  /**
   * Whether a table the run finds empty takes the first-load insert (no conflict handling, a
   * fact's keys rebuilt after it, see `firstLoadSql`) instead of the merge, which gives the same
   * rows. True by default; false always merges.
   */
  firstLoadInsert?: boolean;
  /** Connections staging at once with `connect` (2 by default). */
  stagingConnections?: number;
  /** Called once a file is in staging (progress, audit); an error thrown here fails the run. */
  onFileLoaded?: (result: FileLoadResult) => void | Promise<void>;
  /** Called as a table starts, with the rows its files to load promise (a progress display's estimate). */
  onTableStarted?: (table: StarTable, expectedRows: number) => void;
  /** Called once a table's files are staged and merged. */
  onTableLoaded?: (result: TableLoadResult) => void;
}

/**
 * Loads one processed run into the PostgreSQL warehouse in ONE transaction: every file is
 * streamed into a temporary staging table with COPY and merged (dimensions SCD type 1, missing
 * `dim_date` rows, new fact versions only), then the ledger rows (`etl.loaded_files`,
 * `etl.load_runs` as FINISHED) are written, and everything commits together.
 *
 * - Exactly once: a run the ledger has as FINISHED is skipped without writing anything; a file
 *   already in `etl.loaded_files` is skipped; the merges themselves are idempotent.
 * - All or nothing: any failure rolls the whole run back and is rethrown as a `LoadDataError`
 *   (bad data: do not retry) or a `LoadTransientError` (retry), with the table, file and SQL.
 * - One at a time: a transaction-level advisory lock per warehouse schema serialises loads.
 * - In order: with `previousRunId`, the run waits (retryable) until that run is FINISHED; and
 *   even a run loaded late cannot make a dimension older (the merge's recency check).
 * - Counted: `etl.load_runs` and `etl.loaded_tables` hold the rows read and the rows the merges
 *   inserted and updated.
 *
 * @example
 * const result = await loadRunIntoPostgres(client, {
 *   runId, target: "postgres",
 *   tables: [{ table: "dim_date", files: [{ key, sha256, rows, read: () => store.get(bucket, key) }] }],
 * });
 */
export async function loadRunIntoPostgres(
  client: pg.ClientBase,
  load: PostgresRunLoad,
): Promise<RunLoadResult> {
  const schema = load.schema ?? "warehouse";
  const control = load.controlSchema ?? "etl";
  const now = load.now ?? (() => new Date());
  const startedAt = now();
  const allFiles = load.tables.flatMap(({ files }) => files);
  const keys = allFiles.map((f) => f.key);
  if (new Set(keys).size !== keys.length) {
    throw new DataError(`run ${load.runId} lists a file twice`, { code: "DUPLICATE_FILE" });
  }

  // Shared staging tables of this attempt, dropped if it fails (the merge drops them otherwise).
  let shared: TablePlan[] = [];
  await run(client, "begin", [], {});
  try {
    await run(client, ADVISORY_LOCK_SQL, [lockName(schema)], {});
    const status = await run<{ status: string }>(client, runStatusSql(control), [load.runId], {});
    if (status.rows[0]?.status === "FINISHED") {
      await rollback(client);
      const skipped = load.tables.flatMap(({ table, files }) =>
        files.map((f): FileLoadResult => ({ table, key: f.key, status: "skipped", rows: 0, durationMs: 0 })),
      );
      return {
        runId: load.runId,
        status: "skipped",
        files: skipped,
        tables: [],
        rows: 0,
        inserted: 0,
        updated: 0,
        deleted: 0,
      };
    }
    if (load.previousRunId) {
      const previous = await run<{ status: string }>(client, runStatusSql(control), [load.previousRunId], {});
      // Thrown inside the transaction: the catch below rolls it back, having written nothing.
      if (previous.rows[0]?.status !== "FINISHED")
        throw new PreviousRunNotLoadedError(load.runId, load.previousRunId);
    }
    const loaded = new Set(
      (await run<{ key: string }>(client, loadedKeysSql(control), [keys], {})).rows.map((r) => r.key),
    );

    const pending: { file: ParquetFileSource; table: StarTable }[] = [];
    for (const { table, files } of load.tables) {
      for (const file of files) if (!loaded.has(file.key)) pending.push({ file, table });
    }
    // Binary COPY where the targets' column types allow it (see `withBinaryCopy`).
    const plans = new Map(
      (
        await withBinaryCopy(
          client,
          load.tables.map(({ table }) => tablePlan(table, schema)),
        )
      ).map((p) => [p.table, p]),
    );
    const planOf = (table: StarTable) => plans.get(table) ?? tablePlan(table, schema);
    const read = prefetching(pending.map((p) => ({ file: p.file, plan: planOf(p.table) })));
    const merging = { firstLoadInsert: load.firstLoadInsert ?? true };
    const files: FileLoadResult[] = [];
    const tables: TableLoadResult[] = [];
    const work: StagingWork[] = [];
    let position = 0;
    for (const { table, files: tableFiles } of load.tables) {
      const staged: StagedFile[] = [];
      for (const file of tableFiles) {
        if (loaded.has(file.key)) {
          files.push({ table, key: file.key, status: "skipped", rows: 0, durationMs: 0 });
        } else {
          staged.push({ file, position: position++ });
        }
      }
      if (staged.length === 0) continue;
      const plan = planOf(table);
      const rows = staged.reduce((n, s) => n + (s.file.rows ?? 0), 0);
      work.push(
        load.connect
          ? { plan: { ...plan, staging: sharedStaging(control, table, load.runId) }, files: staged, rows }
          : { plan, files: staged, rows },
      );
    }
    // A table empty now takes the first load: COPY straight into it on this connection. The
    // others are staged (on parallel connections, with `connect`) and merged, all in load order.
    const empty = new Set<StarTable>();
    if (merging.firstLoadInsert) {
      for (const { plan } of work) if (await isEmpty(client, plan)) empty.add(plan.table);
    }
    // Every empty table is copied here, none staged elsewhere to be inserted from staging: with
    // binary COPY this connection parses faster than Node encodes, and staging's second write of
    // every row cost more CPU than the second backend saved (docs/decisions.md, first load).
    const lanes = load.stagingConnections ?? 2;
    const toStage = work.filter((w) => !empty.has(w.plan.table));
    let background: Promise<Map<StarTable, StagedTable>> | undefined;
    if (load.connect && toStage.length > 0) {
      shared = toStage.map((w) => w.plan);
      // With a table to copy here, this connection is busy: the others stage on their own.
      const stager = empty.size > 0 ? undefined : client;
      if (stager || lanes > 1) {
        background = stageInParallel(stager, load.connect, lanes, toStage, read, load.onFileLoaded);
        background.catch(() => undefined);
      }
    }
    try {
      // Every table starts now (staged ones are copied at once), and ends after its merge.
      if (load.connect) for (const w of work) load.onTableStarted?.(w.plan.table, w.rows);
      for (const w of work) {
        const { plan } = w;
        if (!load.connect) load.onTableStarted?.(plan.table, w.rows);
        const result = await loadOneTable(client, w, {
          direct: empty.has(plan.table),
          staged: background && shared.includes(plan) ? background : undefined,
          read,
          onFileLoaded: load.onFileLoaded,
        });
        load.onTableLoaded?.(result.table);
        tables.push(result.table);
        files.push(...result.files);
      }
    } finally {
      // A failure here must not drop shared staging tables while another connection fills them.
      await background?.catch(() => undefined);
    }

    const deleted = await applyPostgresDeletions(client, schema, load.deletions ?? []);

    const written = files.filter((f) => f.status === "loaded");
    const byKey = new Map(allFiles.map((f) => [f.key, f]));
    const finishedAt = now();
    await run(
      client,
      insertLoadedFilesSql(control),
      [
        written.map((f) => f.key),
        written.map(() => load.runId),
        written.map((f) => f.table),
        written.map((f) => byKey.get(f.key)?.sha256 ?? ""),
        written.map((f) => f.rows),
        finishedAt,
      ],
      {},
    );
    await run(
      client,
      upsertLoadedTablesSql(control),
      [
        load.runId,
        tables.map((t) => t.table),
        tables.map((t) => t.files),
        tables.map((t) => t.rows),
        tables.map((t) => t.inserted),
        tables.map((t) => t.updated),
        finishedAt,
      ],
      {},
    );
    const rows = written.reduce((n, f) => n + f.rows, 0);
    const inserted = tables.reduce((n, t) => n + t.inserted, 0);
    const updated = tables.reduce((n, t) => n + t.updated, 0);
    await run(
      client,
      upsertLoadRunSql(control),
      [
        load.runId,
        load.target ?? "postgres",
        "FINISHED",
        startedAt,
        finishedAt,
        written.length,
        rows,
        inserted,
        updated,
      ],
      {},
    );
    await run(client, "commit", [], {});
    return { runId: load.runId, status: "loaded", files, tables, rows, inserted, updated, deleted };
  } catch (error) {
    await rollback(client);
    await dropSharedStaging(client, shared);
    throw error;
  }
}
