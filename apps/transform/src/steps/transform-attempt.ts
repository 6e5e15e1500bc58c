import type { Alerter, AuditItem, AuditLog, createLogger, StageProgress, StateStore } from "@etl/ops";
import { type ObjectStore, ObjectStoreError, runManifestKey } from "@etl/s3-io";
import { DataError, type RunId, RunIdSchema, type StarTable } from "@etl/schemas";
import { OutputConflictError, RawDataError } from "../errors";
import { newAttemptToken } from "./attempt-outputs";

/** The logging the use case needs: the `@etl/ops` logger (Powertools). */
export type TransformLogger = Pick<ReturnType<typeof createLogger>, "info" | "warn" | "error">;

/** What one star table of a run came to. */
export interface TableProgress {
  table: StarTable;
  rows: number;
  files: number;
  bytes: number;
  durationMs: number;
}

export interface TransformDeps {
  store: ObjectStore;
  ingestBucket: string;
  processedBucket: string;
  /** Rows per Parquet part. */
  partRows: number;
  audit: AuditLog;
  alerter: Alerter;
  /**
   * The state table: a run that fails for good is recorded there as the transform's blockage,
   * the runs behind it are acknowledged on the record, and runs an operator skipped are stepped
   * over. Without it a run behind a failed one waits until it dead-letters.
   */
  state?: StateStore;
  clock(): Date;
  /** Draws the attempt's token, part of every key it writes (default: `newAttemptToken`). */
  attemptToken?(): string;
  logger?: TransformLogger;
  /** Someone watching (the `etl` CLI): told per table and per part; absent on Lambda. */
  progress?: StageProgress;
}

export type TransformOutcome =
  | { status: "done"; runId: RunId; manifestKey: string; rows: number; tables: TableProgress[] }
  /** The processed manifest already existed: an earlier attempt (or a concurrent one) finished. */
  | { status: "skipped"; runId: RunId; manifestKey: string }
  /** Bad data: audited, recorded and alerted, no manifest written; the message should be acknowledged. */
  | { status: "failed"; runId: RunId; error: string; code: string; table?: string; key?: string }
  /**
   * An earlier run blocks the transform (failed for good): acknowledged on the record, delivered
   * again when that one is replayed or skipped.
   */
  | { status: "blocked"; runId: RunId; error: string };

/** Where the attempt is, for the failure item and the alert of a failure there. */
export interface Place {
  table?: string;
  key?: string;
  bucket?: string;
}

/** One attempt at transforming one run: its identity and what it has written so far. */
export interface TransformAttempt {
  runId: RunId;
  /** When the attempt started (ISO): the audit items' `attempt`. */
  attempt: string;
  /** Part of every key the attempt writes, so attempts never write the same object. */
  token: string;
  manifestKey: string;
  /** `performance.now()` at the start. */
  started: number;
  /** Every object written, removed again if the attempt fails before its commit. */
  created: { bucket: string; key: string }[];
  current: Place;
  /** Set once the manifest put is sent: from then on it may have landed, listing `created`. */
  committing: boolean;
}

/** Starts an attempt; a run id that is not one is bad data. */
export function startAttempt(runId: string, deps: TransformDeps): TransformAttempt {
  const parsed = RunIdSchema.safeParse(runId);
  if (!parsed.success) throw new DataError(`not a run id: ${JSON.stringify(runId)}`, { code: "BAD_RUN_ID" });
  return {
    runId: parsed.data,
    attempt: deps.clock().toISOString(),
    token: deps.attemptToken?.() ?? newAttemptToken(),
    manifestKey: runManifestKey(parsed.data),
    started: performance.now(),
    created: [],
    current: {},
    committing: false,
  };
}

/** An audit item of this attempt. */
export function auditItem(
  attempt: TransformAttempt,
  fields: Omit<AuditItem, "stage" | "runId" | "attempt">,
): AuditItem {
  return { stage: "transform", runId: attempt.runId, attempt: attempt.attempt, ...fields };
}

/** Where the error says it happened, else where the attempt was. */
export function placeOf(error: unknown, current: Place): Place {
  if (error instanceof RawDataError) return { table: error.table, key: error.key, bucket: error.bucket };
  if (error instanceof OutputConflictError) return { ...current, key: error.key, bucket: error.bucket };
  if (error instanceof ObjectStoreError && error.key !== undefined)
    return { ...current, key: error.key, bucket: error.bucket };
  return current;
}
