import { DEFAULT_PREFIXES, type FileRule } from "@etl/db/rules";
import { messageOf, TransientError } from "@etl/schemas";
import type { FileClaim, FileStatus } from "./claims";
import { fileName, jsonPathsKey, moveKey } from "./destinations";
import {
  auditAttempt,
  type FileAttempt,
  type FileLoadOutcome,
  type Refusal,
  UNMATCHED,
} from "./file-attempt";
import type { PreparedPart } from "./prepare-file";
import { reportFile } from "./report-file";

/** What a decided file carries into its conclusion. */
export interface Decision {
  rows?: number;
  refusal?: Refusal;
  /** Processing copies to remove once the file is moved. */
  processing?: readonly PreparedPart[];
}

function withMessage(rule: FileRule | undefined, reason: string): string {
  return rule?.errorMessage ? `${reason} - ${rule.errorMessage}` : reason;
}

/** Copies the file to `destination` (once) and removes it from landing/ and processing/. */
async function move(a: FileAttempt, c: FileClaim, reasonDocument?: Record<string, unknown>): Promise<void> {
  const { store, bucket } = a.deps;
  if (!c.destination) return;
  const there = await store.head(bucket, c.destination);
  if (!there) await store.copy(bucket, a.input.key, c.destination);
  if (reasonDocument)
    await store.put(bucket, `${c.destination}.reason.json`, JSON.stringify(reasonDocument, null, 2), {
      contentType: "application/json",
    });
  await store.delete(bucket, a.input.key);
}

/** A decided outcome that could not be moved or reported: retryable, the redelivery finishes it. */
function unfinished(a: FileAttempt, c: FileClaim, error: unknown): TransientError {
  return new TransientError(
    `${a.input.key}: ${c.status}${c.error ? ` (${c.error})` : ""} is recorded, destination ${c.destination}, but finishing it failed: ${messageOf(error)}; a redelivery finishes it`,
    { code: "FILE_REPORT_FAILED", cause: error },
  );
}

/** Where the decided file goes: archive or error prefix, never over another file of that name. */
async function destinationOf(
  a: FileAttempt,
  status: FileStatus,
  rule: FileRule | undefined,
  ruleName: string | undefined,
  at: Date,
) {
  const prefixes = rule?.prefixes ?? DEFAULT_PREFIXES;
  const prefix = status === "FINISHED" ? prefixes.archive : prefixes.error;
  const destination = moveKey(prefix, ruleName ?? UNMATCHED, at, fileName(a.input.key));
  const existing = await a.deps.store.head(a.deps.bucket, destination);
  // Never overwrite: another file of the same name went there today.
  return existing && existing.etag !== a.claim.etag ? `${destination}.${a.id.slice(0, 12)}` : destination;
}

/** Decides the outcome: record it, move the file, report, mark reported. */
export async function concludeFile(
  a: FileAttempt,
  status: FileStatus,
  rule: FileRule | undefined,
  ruleName: string | undefined,
  result: Decision,
): Promise<FileLoadOutcome> {
  const at = a.deps.clock();
  const destination = await destinationOf(a, status, rule, ruleName, at);
  const error = result.refusal ? withMessage(rule, result.refusal.reason) : undefined;
  const decision: FileClaim = {
    ...a.claim,
    status,
    destination,
    leaseUntil: 0,
    reported: false,
    rows: result.rows ?? 0,
    ...(ruleName ? { rule: ruleName } : {}),
    ...(rule?.target ? { table: `${rule.target.schema}.${rule.target.table}` } : {}),
    ...(error ? { error } : {}),
    ...(a.parts.length > 0 ? { parts: a.parts } : {}),
    notify: rule?.notify ?? "failure",
  };
  // The outcome is recorded before the move: a crash after it is finished by the next delivery.
  // Conditional: a version decided once (by this attempt or one that took it over) stays so.
  if (!(await a.claims.own(a.id, decision))) return lost(a);
  a.claim = decision;
  a.concluded = true;
  try {
    await finish(a, status, rule, ruleName, at, error, result);
  } catch (failure) {
    throw unfinished(a, a.claim, failure);
  }
  a.deps.logger?.info("landed file concluded", {
    status,
    key: a.input.key,
    rule: ruleName,
    destination,
    rows: a.claim.rows,
    ...(error ? { error } : {}),
  });
  return {
    status,
    ...a.base,
    ...(ruleName ? { rule: ruleName } : {}),
    destination,
    rows: a.claim.rows ?? 0,
    ...(a.parts.length > 0 ? { parts: [...a.parts] } : {}),
    ...(error ? { error } : {}),
    durationMs: a.elapsed(),
  };
}

/** Moves the decided file, removes the processing copies, reports, marks the claim reported. */
async function finish(
  a: FileAttempt,
  status: FileStatus,
  rule: FileRule | undefined,
  ruleName: string | undefined,
  at: Date,
  error: string | undefined,
  result: Decision,
): Promise<void> {
  await move(
    a,
    a.claim,
    status === "FINISHED"
      ? undefined
      : {
          status,
          ...a.base,
          rule: ruleName ?? null,
          code: result.refusal?.code,
          error,
          ...(result.refusal?.details ? { details: result.refusal.details } : {}),
          attempt: a.attempt,
          at: at.toISOString(),
        },
  );
  for (const part of result.processing ?? []) {
    await a.deps.store.delete(a.deps.bucket, part.key);
    if (rule?.format === "jsonl") await a.deps.store.delete(a.deps.bucket, jsonPathsKey(part.key));
  }
  a.claim = await reportFile(a, a.claim, rule, result.refusal);
  await a.claims.save(a.id, a.claim);
}

/**
 * This attempt lost the version before deciding it: another attempt took it over (its lease ran
 * out) and may have decided it. A decision found is finished like a duplicate's; otherwise the
 * other attempt is left to it.
 */
async function lost(a: FileAttempt): Promise<FileLoadOutcome> {
  const current = await a.claims.get(a.id);
  if (current?.status) return finishDuplicate(a, current);
  await auditAttempt(
    a,
    { status: "SKIPPED", error: `another attempt (${current?.attempt ?? "unknown"}) took the file over` },
    UNMATCHED,
  );
  a.deps.logger?.warn("landed file taken over by another attempt", { key: a.input.key, version: a.version });
  return {
    status: "SKIPPED",
    ...a.base,
    rows: 0,
    error: "taken over by another attempt",
    durationMs: a.elapsed(),
  };
}

/** A duplicate event: finish what a crashed attempt left (move, report), else nothing. */
export async function finishDuplicate(a: FileAttempt, done: FileClaim): Promise<FileLoadOutcome> {
  const still = await a.deps.store.head(a.deps.bucket, a.input.key);
  try {
    if (still && (done.etag === undefined || still.etag === done.etag)) await move(a, done);
    if (!done.reported) await a.claims.save(a.id, await reportFile(a, done, undefined));
  } catch (error) {
    throw unfinished(a, done, error);
  }
  await auditAttempt(
    a,
    { status: "SKIPPED", error: `duplicate event: already ${done.status} (${done.destination})` },
    done.rule ?? UNMATCHED,
  );
  return {
    status: "SKIPPED",
    ...a.base,
    ...(done.rule ? { rule: done.rule } : {}),
    ...(done.destination ? { destination: done.destination } : {}),
    rows: 0,
    durationMs: a.elapsed(),
  };
}
