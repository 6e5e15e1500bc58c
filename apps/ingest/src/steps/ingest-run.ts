import type { KeyRangeReader, LateCommitGuard, SnapshotReader, SourceSnapshot } from "@etl/db/source";
import type { Alerter, AuditItem, AuditLog, StageProgress, StateStore } from "@etl/ops";
import type { ObjectStore } from "@etl/s3-io";
import type { SourceTable } from "@etl/schemas";

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
  /** Bytes read between two reports to `IngestDeps.progress` (1 MiB by default). */
  progressBytes?: number;
  /**
   * Connections the tables are read on at once, all from the one snapshot (1, the default: the
   * snapshot's own connection only). More than one needs `IngestDeps.joinSnapshot`.
   */
  readConnections?: number;
  /**
   * The run's time budget, and the rows per second of the slowest stage: a first snapshot of
   * more than `seconds * rowsPerSecond` rows is read in key ranges over several runs
   * (docs/first-loads.md). Absent: every first snapshot is read whole.
   */
  budget?: { seconds: number; rowsPerSecond: number };
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
  /**
   * Opens the read-only snapshot; `release` returns its connection. The key-range reads are
   * needed only for first loads in ranges (`IngestSettings.budget`).
   */
  openSnapshot(
    safetyLagSeconds: number,
    lateCommitGuard: LateCommitGuard,
  ): Promise<SourceSnapshot & Partial<KeyRangeReader> & { release(): Promise<void> }>;
  /**
   * Joins the snapshot `openSnapshot` exported, on a connection of its own, for reading tables
   * in parallel; `release` returns the connection.
   */
  joinSnapshot?(
    snapshotId: string,
    upperBound: string,
  ): Promise<SnapshotReader & { release(): Promise<void> }>;
  clock(): Date;
  logger?: IngestLogger;
  /** Someone watching (the `etl` CLI); absent on Lambda, where nothing extra is done for it. */
  progress?: StageProgress;
}

export interface IngestResult {
  runId: string;
  sequence: number;
  /** Undefined when nothing changed: no data and no manifest were written. */
  manifestKey?: string;
  tables: TableProgress[];
  rows: number;
  /** Rows found deleted at the source since the last recorded run, over every table. */
  deleted: number;
  /**
   * First loads this run left unfinished (in key ranges, or waiting for one ahead of them): the
   * next invocation continues them. Absent when there are none.
   */
  firstLoadsPending?: { table: SourceTable; lastKey?: number }[];
}

/** One ingest run: its identity, and the table it is reading (for the reports of a failure). */
export interface IngestRun {
  runId: string;
  sequence: number;
  startedAt: Date;
  tables: readonly SourceTable[];
  currentTable?: SourceTable;
}

/** The state-table name of a table's watermark. */
export const watermarkOf = (table: SourceTable) => `watermark#${table}`;

/** An audit item of this run's attempt, in the ingest bucket. */
export function auditItem(
  run: IngestRun,
  settings: IngestSettings,
  fields: Omit<AuditItem, "stage" | "runId" | "attempt">,
): AuditItem {
  return {
    stage: "ingest",
    runId: run.runId,
    attempt: run.startedAt.toISOString(),
    bucket: settings.bucket,
    ...fields,
  };
}
