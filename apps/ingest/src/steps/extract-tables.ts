import type { SourceSnapshot } from "@etl/db/source";
import { rawDataKey } from "@etl/s3-io";
import {
  compareSourceSchema,
  DataError,
  describeBrokenColumns,
  type RawTableEntry,
  type SourceDrift,
  type SourceTable,
} from "@etl/schemas";
import { type Detection, detectDeletions } from "./detect-deletions";
import {
  DEFAULT_HOLD_WARNING_SECONDS,
  type IngestDeps,
  type IngestLogger,
  type IngestRun,
  type IngestSettings,
  type TableProgress,
  watermarkOf,
} from "./ingest-run";
import { PartSink } from "./part-sink";
import {
  type FirstLoadCursor,
  type RunPlan,
  rangeSteps,
  tablesReadWhole,
  tablesToDetect,
} from "./plan-first-loads";
import { planRun, readFirstLoadRanges } from "./read-first-load-ranges";

/** What the snapshot read: the manifest entries of the tables with changes, and every table's progress. */
export interface Extraction {
  snapshot: Omit<SourceSnapshot, "streamTable" | "close">;
  entries: RawTableEntry[];
  progress: TableProgress[];
  /** How the source differs from the contract: added columns and new tables (nothing broken). */
  drift: SourceDrift;
  /** The rows deleted since the last recorded run, and this run's key sets. */
  detection: Detection;
  /** Which tables the run read and how (first loads in key ranges: `planFirstLoads`). */
  plan: RunPlan;
}

/**
 * Reads every table's rows changed since its watermark from one read-only snapshot, as gzip
 * JSON Lines parts; `run.currentTable` names the table being read, for a failure's reports.
 *
 * First, inside the same snapshot, the source's columns are compared with the contract: a
 * contract column dropped, renamed or retyped refuses the run with a `DataError`
 * (`SCHEMA_DRIFT`) before anything is written, so the watermarks stay and the next run after
 * the fix reads every change. Added columns are read like the others (the raw rows keep every
 * column) and declared in the table's manifest entry, for the transform to ignore.
 */
export async function extractTables(
  settings: IngestSettings,
  deps: IngestDeps,
  run: IngestRun,
  watermarks: Record<string, string | null>,
  cursors: ReadonlyMap<SourceTable, FirstLoadCursor> = new Map(),
): Promise<Extraction> {
  const snapshot = await deps.openSnapshot(settings.safetyLagSeconds, settings.lateCommitGuard ?? "required");
  const entries: RawTableEntry[] = [];
  const progress: TableProgress[] = [];
  let drift: SourceDrift = { added: {}, broken: [], newTables: [] };
  let detection: Detection = { deletions: [], keySets: [], durationMs: 0 };
  let plan: RunPlan = { steps: [] };
  try {
    warnAboutSnapshot(run.runId, snapshot, settings, deps.logger);
    drift = compareSourceSchema(await snapshot.describeColumns(), run.tables);
    const [firstBroken] = drift.broken;
    if (firstBroken) {
      run.currentTable = firstBroken.table;
      throw new DataError(describeBrokenColumns(drift.broken), { code: "SCHEMA_DRIFT" });
    }
    plan = await planRun(settings, run, snapshot, watermarks, cursors);
    const read = await readTables(settings, deps, run, tablesReadWhole(plan), snapshot, watermarks);
    const ranged = await readFirstLoadRanges(settings, deps, run, snapshot, rangeSteps(plan));
    for (const table of run.tables) {
      const result = read.get(table) ?? ranged.get(table);
      if (!result) continue;
      progress.push(result.done);
      const added = drift.added[table];
      if (result.entry) entries.push(added ? { ...result.entry, addedColumns: added } : result.entry);
    }
    run.currentTable = undefined;
    // Its own step, after the rows, in the same snapshot: the key sets are the snapshot's too.
    detection = await detectDeletions(settings, deps, run, snapshot, tablesToDetect(plan));
    await snapshot.close();
  } finally {
    await snapshot.release();
  }
  return { snapshot, entries, progress, drift, detection, plan };
}

type TableRead = { entry?: RawTableEntry; done: TableProgress };

/**
 * Reads the given tables, each once, on `settings.readConnections` connections at once: the
 * snapshot's own and others that joined it (`pg_export_snapshot` / `SET TRANSACTION SNAPSHOT`),
 * so every table comes from the same consistent view and a write committed meanwhile is seen by
 * none. Each connection takes the next table as it finishes one. After a failure no new table is
 * started; the failure is rethrown once every connection is done, with `run.currentTable` naming
 * its table.
 */
async function readTables(
  settings: IngestSettings,
  deps: IngestDeps,
  run: IngestRun,
  tables: readonly SourceTable[],
  snapshot: SourceSnapshot,
  watermarks: Record<string, string | null>,
): Promise<Map<SourceTable, TableRead>> {
  const lanes = Math.min(settings.readConnections ?? 1, tables.length);
  const readers: Pick<SourceSnapshot, "streamTable" | "estimateRows">[] = [snapshot];
  const joined: { close(): Promise<void>; release(): Promise<void> }[] = [];
  const results = new Map<SourceTable, TableRead>();
  try {
    if (lanes > 1 && deps.joinSnapshot) {
      // Every reader joins before any table is read, while the exporting transaction is open.
      const snapshotId = await snapshot.exportSnapshot();
      for (let i = 1; i < lanes; i++) {
        const reader = await deps.joinSnapshot(snapshotId, snapshot.upperBound);
        joined.push(reader);
        readers.push(reader);
      }
    }
    const queue = [...tables];
    let failure: { table: SourceTable; error: unknown } | undefined;
    await Promise.all(
      readers.map(async (reader) => {
        for (let table = queue.shift(); table && !failure; table = queue.shift()) {
          if (readers.length === 1) run.currentTable = table;
          try {
            const from = watermarks[watermarkOf(table)] ?? null;
            const read = await extractTable(
              settings,
              deps,
              run.runId,
              reader,
              table,
              from,
              snapshot.upperBound,
            );
            results.set(table, read);
          } catch (error) {
            failure ??= { table, error };
          }
        }
      }),
    );
    if (failure) {
      run.currentTable = failure.table;
      throw failure.error;
    }
    for (const reader of joined) await reader.close();
    return results;
  } finally {
    for (const reader of joined) await reader.release().catch(() => undefined);
  }
}

async function extractTable(
  settings: IngestSettings,
  deps: IngestDeps,
  runId: string,
  snapshot: Pick<SourceSnapshot, "streamTable" | "estimateRows">,
  table: SourceTable,
  from: string | null,
  upperBound: string,
): Promise<TableRead> {
  const began = Date.now();
  const watcher = deps.progress;
  // The estimate costs a plan, not a read; still, only when someone watches.
  if (watcher) watcher.tableStarted(table, await snapshot.estimateRows(table, from));
  const sink = new PartSink({
    store: deps.store,
    bucket: settings.bucket,
    keyForPart: (n) => rawDataKey(table, runId, n),
    maxPartBytes: settings.partMaxBytes,
    ...(settings.gzipLevel === undefined ? {} : { gzipLevel: settings.gzipLevel }),
    ...(watcher
      ? {
          onProgress: (rows: number) => watcher.rows(table, rows),
          ...(settings.progressBytes === undefined ? {} : { progressBytes: settings.progressBytes }),
        }
      : {}),
  });
  await snapshot.streamTable(table, from, sink);
  const rows = sink.files.reduce((n, f) => n + f.rows, 0);
  const bytes = sink.files.reduce((n, f) => n + f.bytes, 0);
  const done = { table, rows, bytes, files: sink.files.length, durationMs: Date.now() - began };
  watcher?.tableFinished(table, rows, done.durationMs);
  if (rows === 0) return { done };
  return {
    entry: { table, files: sink.files, rows, bytes, watermark: { from, to: upperBound } },
    done,
  };
}

/** Logs what the snapshot could not guarantee or had to wait for. */
function warnAboutSnapshot(
  runId: string,
  snapshot: SourceSnapshot,
  settings: IngestSettings,
  logger: IngestLogger | undefined,
): void {
  if (snapshot.sees === "own-user") {
    logger?.warn(
      "late-commit guard is best-effort: other users' open transactions are not visible, so a row they commit late can be missed; GRANT pg_read_all_stats to the ingest's database user",
      { runId, upperBound: snapshot.upperBound },
    );
  }
  const held = snapshot.heldBackBy;
  if (held && held.ageSeconds > (settings.holdWarningSeconds ?? DEFAULT_HOLD_WARNING_SECONDS)) {
    logger?.warn(
      `an open transaction (${held.pid === undefined ? `prepared ${held.gid ?? ""}` : `pid ${held.pid}`}, open ${Math.round(held.ageSeconds)} s) holds the ingest's upper bound back; its changes and every later one wait until it ends`,
      {
        runId,
        ...(held.pid === undefined ? {} : { pid: held.pid }),
        ...(held.gid === undefined ? {} : { gid: held.gid }),
        since: held.since,
        ageSeconds: held.ageSeconds,
        upperBound: snapshot.upperBound,
      },
    );
  }
}
