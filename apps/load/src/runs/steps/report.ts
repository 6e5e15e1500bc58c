import { loadErrorContext } from "@etl/db/errors";
import { type AuditItem, type AuditStatus, redactSecrets } from "@etl/ops";
import type { Delivery, OutcomeReporter, ReportingDecision } from "@etl/ops/outcome";
import { runManifestKey } from "@etl/s3-io";
import { messageOf, type RunId } from "@etl/schemas";
import { StatementAbortedError } from "../errors";
import type { LoadPlan } from "./plan-load";
import type { FileOutcome } from "./warehouse";

/** Where a failure happened, as far as the error tells. */
export interface FailurePlace {
  table?: string;
  key?: string;
  sql?: string;
  statementId?: string;
  details?: Record<string, unknown>;
}

export function failurePlace(error: unknown): FailurePlace {
  if (error instanceof StatementAbortedError) return { table: error.table, statementId: error.statementId };
  const context = loadErrorContext(error);
  if (!context) return {};
  const place: FailurePlace = {};
  if (context.table) place.table = context.table;
  if (context.key) place.key = context.key;
  if (context.sql) place.sql = context.sql;
  if (context.statementId) place.statementId = context.statementId;
  if (context.details) place.details = context.details;
  return place;
}

export interface AuditContext {
  runId: string;
  bucket: string;
  attempt: string;
  plan?: LoadPlan;
}

function fileFacts(context: AuditContext, key: string) {
  for (const table of context.plan?.tables ?? []) {
    const file = table.files.find((f) => f.key === key);
    if (file) return { size: file.bytes, ...(file.etag ? { etag: file.etag } : {}) };
  }
  return {};
}

/** One audit item per file of this attempt. */
export function fileItems(context: AuditContext, files: readonly FileOutcome[]): AuditItem[] {
  return files.map((f) => ({
    stage: "load",
    runId: context.runId,
    key: f.key,
    status: f.status,
    attempt: context.attempt,
    table: f.table,
    bucket: context.bucket,
    ...fileFacts(context, f.key),
    rows: f.rows,
    durationMs: f.durationMs,
    ...(f.statementId ? { statementId: f.statementId } : {}),
  }));
}

/** The audit item of the run itself (`key` "-"). */
export function runItem(
  context: AuditContext,
  run: {
    status: AuditStatus;
    rows: number;
    durationMs: number;
    statementId?: string;
    error?: string;
    note?: string;
  },
): AuditItem {
  return {
    stage: "load",
    runId: context.runId,
    key: "-",
    status: run.status,
    attempt: context.attempt,
    bucket: context.bucket,
    rows: run.rows,
    durationMs: run.durationMs,
    ...(run.statementId ? { statementId: run.statementId } : {}),
    ...(run.error ? { error: run.error } : {}),
    ...(run.note ? { note: run.note } : {}),
  };
}

/**
 * The files an attempt failed on: those of the failing table, or every file not committed on
 * its own (PostgreSQL rolls the whole run back), with the error; committed ones stay FINISHED.
 */
export function failedFiles(
  context: AuditContext,
  committed: readonly FileOutcome[],
  place: FailurePlace,
  error: string,
  status: AuditStatus,
): AuditItem[] {
  const done = new Set(committed.map((f) => f.key));
  const items: AuditItem[] = [];
  for (const table of context.plan?.tables ?? []) {
    for (const file of table.files) {
      if (done.has(file.key)) continue;
      const here = place.table === undefined || place.table === table.table;
      items.push({
        stage: "load",
        runId: context.runId,
        key: file.key,
        status,
        attempt: context.attempt,
        table: table.table,
        bucket: context.bucket,
        size: file.bytes,
        ...(file.etag ? { etag: file.etag } : {}),
        ...(place.statementId && here ? { statementId: place.statementId } : {}),
        error: here ? error : `not loaded: ${place.table} failed in the same attempt`,
      });
    }
  }
  return items;
}

/**
 * Reports a failed attempt through the outcome reporter (`@etl/ops/outcome`): the attempt's
 * audit items (FAILED, or ABORTED for a cancelled statement; DEAD_LETTERED on the last receive),
 * and, as the policy decides, a failure item holding the SQL that failed (secrets redacted) and
 * an alert naming stage, table and file. Nothing secret reaches either.
 */
export async function reportFailure(
  reporter: OutcomeReporter,
  context: AuditContext,
  error: unknown,
  committed: readonly FileOutcome[],
  durationMs: number,
  delivery?: Delivery,
  /** How the report speaks of the load's blockage (`FailureReport.blocking`, `stillBlocking`). */
  blockage: { blocking?: string; stillBlocking?: boolean } = {},
): Promise<ReportingDecision> {
  const place = failurePlace(error);
  const message = redactSecrets(messageOf(error));
  const status: AuditStatus = error instanceof StatementAbortedError ? "ABORTED" : "FAILED";
  const firstOfTable = context.plan?.tables.find((t) => t.table === place.table)?.files[0]?.key;
  const key = place.key ?? firstOfTable ?? runManifestKey(context.runId as RunId);
  const loadErrors = place.details?.loadErrors;
  return reporter.failed({
    runId: context.runId,
    error,
    audit: [
      ...fileItems(context, committed),
      ...failedFiles(context, committed, place, message, status),
      runItem(context, {
        status,
        rows: committed.reduce((n, f) => n + f.rows, 0),
        durationMs,
        ...(place.statementId ? { statementId: place.statementId } : {}),
        error: message,
      }),
    ],
    key,
    ...(place.table ? { table: place.table } : {}),
    ...(place.sql === undefined ? {} : { sql: place.sql }),
    details: {
      attempt: context.attempt,
      bucket: context.bucket,
      ...(place.statementId ? { statementId: place.statementId } : {}),
      ...(loadErrors ? { loadErrors } : {}),
    },
    ...(delivery ? { delivery } : {}),
    ...(blockage.blocking ? { blocking: blockage.blocking } : {}),
    ...(blockage.stillBlocking ? { stillBlocking: true } : {}),
  });
}
