import type { StageProgress } from "@etl/ops";
import type { StarTable } from "@etl/schemas";
import type { LoadFile, LoadPlan } from "./plan-load";

export type FileStatus = "FINISHED" | "SKIPPED" | "HANDED_OFF";

/** What happened to one file in this attempt. */
export interface FileOutcome {
  table: StarTable;
  key: string;
  status: FileStatus;
  rows: number;
  durationMs: number;
  statementId?: string;
}

export interface WarehouseOutcome {
  /** `skipped`: the ledger already had the run; `handed-off`: a statement is still running. */
  status: "loaded" | "skipped" | "handed-off";
  files: FileOutcome[];
  /** Rows read from the files this attempt loaded. */
  rows: number;
  /** Rows the run's merges inserted and updated (all attempts), when loaded. */
  inserted?: number;
  updated?: number;
  /** The statement left running, when handed off. */
  statementId?: string;
  table?: StarTable;
}

export interface LoadContext {
  /** When this attempt started (ISO): tells audit items of attempts apart. */
  attempt: string;
  /** Milliseconds the invocation has left (Lambda's `getRemainingTimeInMillis`). */
  remainingMs(): number;
  /** The file's bytes, checksum and Parquet footer verified. */
  read(file: LoadFile): Promise<Uint8Array>;
  /** Told when a table is committed on its own (Redshift: one transaction per table). */
  committed?(files: FileOutcome[]): void;
  /** Someone watching (the `etl` CLI): told per table and per file by the PostgreSQL warehouse. */
  progress?: StageProgress;
}

/**
 * The warehouse port of the run load (`FileWarehouse` is the landed-file load's): PostgreSQL (one transaction per run) or Redshift (one
 * Data API batch per table). Errors: `LoadDataError` (bad data, not retried), anything
 * retryable is thrown for the queue to redeliver.
 */
export interface RunWarehouse {
  readonly target: "postgres" | "redshift";
  /** Creates the warehouse schema and tables where missing (once per instance). */
  prepare(): Promise<void>;
  load(plan: LoadPlan, context: LoadContext): Promise<WarehouseOutcome>;
}

/** A statement handed off to the completion handler, as the state table keeps it. */
export interface HandedOffStatement {
  statementId: string;
  runId: string;
  table: StarTable;
  bucket: string;
  files: { key: string; rows: number; bytes: number; etag?: string }[];
  submittedAt: string;
  attempt: string;
  alertedAt?: string;
}

/** A handed-off statement that reached its end, claimed by exactly one finaliser. */
export interface SettledStatement {
  record: HandedOffStatement;
  state: "FINISHED" | "FAILED" | "ABORTED";
  /** The failure as the load reports it (with table, SQL and load-error rows), when not FINISHED. */
  error?: unknown;
  /** The error was a serialization or connection failure: loading the run again may succeed. */
  retryable?: boolean;
}

/**
 * Redshift only: statements handed off to the completion handler, and runs whose load must go
 * on after one (a continuation is recorded before a statement is claimed, so a crash in between
 * leaves work for the sweep, never a run half loaded and forgotten).
 */
export interface StatementTracker {
  pending(): Promise<HandedOffStatement[]>;
  /** Runs to continue: their statement settled, the rest of the run is not loaded yet. */
  pendingRuns(): Promise<{ runId: string; since: string }[]>;
  /**
   * Undefined when the statement is not one of ours or still running; otherwise its end,
   * claimed (its hand-off record deleted, a continuation of its run recorded) so that an event
   * and a sweep never both finalise it.
   */
  settle(statementId: string): Promise<SettledStatement | undefined>;
  /** The run needs no continuation any more (loaded, skipped, or failed for good). */
  finishRun(runId: string): Promise<void>;
  /** Marks a statement as reported stuck, so the sweep alerts about it once. */
  markAlerted(statementId: string, at: Date): Promise<void>;
}
