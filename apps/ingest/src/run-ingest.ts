import type { LateCommitGuard, SourceSnapshot } from "@etl/db/source";
import {
  type Alerter,
  type AuditItem,
  type AuditLog,
  type StateStore,
  WatermarkConflictError,
} from "@etl/ops";
import { type ObjectStore, rawDataKey, runManifestKey, toRunId } from "@etl/s3-io";
import {
  isRetryable,
  messageOf,
  type RawRunManifest,
  RawRunManifestSchema,
  type RawTableEntry,
  SOURCE_TABLE_NAMES,
  type SourceTable,
} from "@etl/schemas";
import { PartSink } from "./steps/part-sink";

export interface IngestSettings {
  bucket: string;
  safetyLagSeconds: number;
  partMaxBytes: number;
  gzipLevel?: number;
  tables?: readonly SourceTable[];
  /** `required` (default): refuse to run when open transactions of other users cannot be seen. */
  lateCommitGuard?: LateCommitGuard;
  /** An open transaction holding the upper bound back longer than this is logged as a warning. */
  holdWarningSeconds?: number;
}

/** Long enough for any ordinary write transaction; an older one is usually a forgotten session. */
export const DEFAULT_HOLD_WARNING_SECONDS = 300;

/** Where a run reports what it survived but someone should look at (Powertools' Logger fits). */
export interface IngestLogger {
  warn(message: string, details: Record<string, unknown>): void;
}

export interface TableProgress {
  table: SourceTable;
  rows: number;
  bytes: number;
  files: number;
  durationMs: number;
}

export interface IngestDeps {
  store: ObjectStore;
  state: StateStore;
  audit: AuditLog;
  alerter: Alerter;
  /** Opens the read-only snapshot; `release` returns its connection. */
  openSnapshot(
    safetyLagSeconds: number,
    lateCommitGuard: LateCommitGuard,
  ): Promise<SourceSnapshot & { release(): Promise<void> }>;
  clock(): Date;
  logger?: IngestLogger;
  onTable?(progress: TableProgress): void;
}

export interface IngestResult {
  runId: string;
  sequence: number;
  /** Undefined when nothing changed: no data and no manifest were written. */
  manifestKey?: string;
  tables: TableProgress[];
  rows: number;
}

const WATERMARK = (table: SourceTable) => `watermark#${table}`;

/**
 * One ingest run: every allow-listed table's rows changed since its watermark, read from one
 * snapshot, written as gzip JSON Lines parts; then the manifest, last; then the watermarks,
 * advanced with a conditional write only once the manifest exists. A failure anywhere leaves
 * the watermarks untouched, so the next run reads the same rows again: nothing is lost.
 */
export async function runIngest(settings: IngestSettings, deps: IngestDeps): Promise<IngestResult> {
  const startedAt = deps.clock();
  const sequence = await deps.state.nextSequence("ingest-run");
  const runId = toRunId(startedAt, sequence);
  const attempt = startedAt.toISOString();
  const tables = settings.tables ?? SOURCE_TABLE_NAMES;
  const progress: TableProgress[] = [];
  const audit = (item: Omit<AuditItem, "stage" | "runId" | "attempt">): AuditItem => ({
    stage: "ingest",
    runId,
    attempt,
    bucket: settings.bucket,
    ...item,
  });
  let currentTable: SourceTable | undefined;

  try {
    const watermarks = await deps.state.getWatermarks(tables.map(WATERMARK));
    const snapshot = await deps.openSnapshot(
      settings.safetyLagSeconds,
      settings.lateCommitGuard ?? "required",
    );
    const entries: RawTableEntry[] = [];
    try {
      warnAboutSnapshot(runId, snapshot, settings, deps.logger);
      for (const table of tables) {
        currentTable = table;
        const from = watermarks[WATERMARK(table)] ?? null;
        const began = Date.now();
        const sink = new PartSink({
          store: deps.store,
          bucket: settings.bucket,
          keyForPart: (n) => rawDataKey(table, runId, n),
          maxPartBytes: settings.partMaxBytes,
          ...(settings.gzipLevel === undefined ? {} : { gzipLevel: settings.gzipLevel }),
        });
        await snapshot.streamTable(table, from, sink);
        const rows = sink.files.reduce((n, f) => n + f.rows, 0);
        const bytes = sink.files.reduce((n, f) => n + f.bytes, 0);
        const done = { table, rows, bytes, files: sink.files.length, durationMs: Date.now() - began };
        progress.push(done);
        deps.onTable?.(done);
        if (rows > 0) {
          entries.push({
            table,
            files: sink.files,
            rows,
            bytes,
            watermark: { from, to: snapshot.upperBound },
          });
        }
      }
      currentTable = undefined;
      await snapshot.close();
    } finally {
      await snapshot.release();
    }

    const rows = entries.reduce((n, e) => n + e.rows, 0);
    if (rows === 0) {
      await deps.audit.record([
        audit({ key: "-", status: "FINISHED", rows: 0, durationMs: Date.now() - startedAt.getTime() }),
      ]);
      return { runId, sequence, tables: progress, rows: 0 };
    }

    const manifest: RawRunManifest = RawRunManifestSchema.parse({
      schemaVersion: 1,
      kind: "raw",
      runId,
      sequence,
      createdAt: deps.clock().toISOString(),
      snapshot: {
        databaseTime: snapshot.databaseTime,
        upperBound: snapshot.upperBound,
        safetyLagSeconds: settings.safetyLagSeconds,
        ...(snapshot.heldBackBy
          ? {
              heldBackBy: {
                ...(snapshot.heldBackBy.pid === undefined ? {} : { pid: snapshot.heldBackBy.pid }),
                ...(snapshot.heldBackBy.gid === undefined ? {} : { gid: snapshot.heldBackBy.gid }),
                since: snapshot.heldBackBy.since,
              },
            }
          : {}),
        sees: snapshot.sees,
      },
      tables: entries,
    });
    const manifestKey = runManifestKey(runId);
    // Written last: downstream reacts to the manifest, never to single data files.
    await deps.store.put(settings.bucket, manifestKey, JSON.stringify(manifest, null, 2), {
      contentType: "application/json",
      ifNoneMatch: true,
    });
    // Every table moves to the snapshot's upper bound, changed or not: the range was read whole.
    // A bound held below a table's watermark (a transaction open since before it) leaves it.
    const updates = tables
      .map((table) => ({ name: WATERMARK(table), from: watermarks[WATERMARK(table)] ?? null }))
      .filter((u) => u.from === null || u.from < snapshot.upperBound)
      .map((u) => ({ ...u, to: snapshot.upperBound }));
    let note: string | undefined;
    try {
      await deps.state.advanceWatermarks(updates, runId);
    } catch (error) {
      if (!(error instanceof WatermarkConflictError)) throw error;
      // The manifest is out: this run is a consistent snapshot of (from, upper], every later
      // step is idempotent on versions it shares with the other run, and the next run reads
      // from the other run's bound. Nothing failed; an alert would only call for a needless fix.
      note = `another run advanced the watermarks first; this run's manifest stays valid: ${error.message}`;
      deps.logger?.warn("ingest run overlapped another; the watermarks stay where that run put them", {
        runId,
        manifestKey,
        conflicts: error.conflicts,
      });
    }
    await deps.audit.record([
      ...entries.flatMap((e) =>
        e.files.map((f) =>
          audit({ key: f.key, table: e.table, status: "FINISHED", rows: f.rows, size: f.bytes }),
        ),
      ),
      audit({
        key: manifestKey,
        status: "FINISHED",
        rows,
        durationMs: Date.now() - startedAt.getTime(),
        ...(note ? { note } : {}),
      }),
    ]);
    return { runId, sequence, manifestKey, tables: progress, rows };
  } catch (error) {
    const message = messageOf(error);
    const where = currentTable ? ` while reading ${currentTable}` : "";
    // Reporting must not hide the original error: each step is attempted on its own.
    await Promise.allSettled([
      deps.audit.record([
        audit({
          key: "-",
          status: "FAILED",
          error: message,
          ...(currentTable ? { table: currentTable } : {}),
        }),
      ]),
      deps.audit.recordFailure({
        stage: "ingest",
        runId,
        error: `${message}${where}`,
        retryable: isRetryable(error),
        ...(currentTable ? { table: currentTable } : {}),
      }),
      deps.alerter.alert({
        stage: "ingest",
        runId,
        ...(currentTable ? { table: currentTable } : {}),
        subject: `ingest failed${currentTable ? `: ${currentTable}` : ""}`.slice(0, 100),
        detail: { runId, table: currentTable ?? null, error: message, retryable: isRetryable(error) },
      }),
    ]);
    throw error;
  }
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
