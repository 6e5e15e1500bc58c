import type { FileRule } from "@etl/db/rules";
import { messageOf } from "@etl/schemas";
import type { FileClaim, FileStatus, ReportStep } from "./claims";
import { auditAttempt, type FileAttempt, type Refusal, UNMATCHED } from "./file-attempt";
import { toStatusEvent } from "./status-events";

function notifies(notify: string | undefined, status: FileStatus): boolean {
  if (notify === "none") return false;
  if (notify === "both") return true;
  if (notify === "success") return status === "FINISHED";
  return status !== "FINISHED";
}

/**
 * Audit item, failure item, status event and alert. Each is attempted even when an earlier one
 * fails (an audit table that refuses a write must not silence the alert); the steps that are out
 * are kept in the claim, so a redelivery finishing the report repeats none of them.
 */
export async function reportFile(
  a: FileAttempt,
  c: FileClaim,
  rule: FileRule | undefined,
  refusal?: Refusal,
): Promise<FileClaim> {
  const done = new Set<ReportStep>(c.reportedSteps ?? []);
  const problems: string[] = [];
  const step = async (name: ReportStep, fn: () => Promise<void>) => {
    if (done.has(name)) return;
    try {
      await fn();
      done.add(name);
    } catch (error) {
      problems.push(`${name}: ${messageOf(error)}`);
    }
  };
  const status = c.status ?? "FAILED";
  await step("audit", () => auditOutcome(a, c, status));
  if (status !== "FINISHED") await step("failure", () => recordFailure(a, c, status, refusal));
  await step("event", () => publishEvent(a, c, status));
  // No rule, or an invalid one, cannot say who to tell: a person must look, so it alerts.
  if (notifies(rule?.notify ?? c.notify ?? "failure", status))
    await step("alert", () => alert(a, c, status, refusal));
  const reported: FileClaim = { ...c, reportedSteps: [...done] };
  if (problems.length > 0) {
    await a.claims.save(a.id, reported).catch(() => undefined);
    throw new Error(problems.join("; "));
  }
  return { ...reported, reported: true };
}

/** The outcome's item belongs to the attempt that decided it (a redelivery finishing the report audits its own SKIPPED beside it). */
function auditOutcome(a: FileAttempt, c: FileClaim, status: FileStatus): Promise<void> {
  return auditAttempt(
    a,
    {
      status,
      attempt: c.attempt,
      ...(c.table ? { table: c.table } : {}),
      ...(c.rows !== undefined ? { rows: c.rows } : {}),
      ...(c.statementId ? { statementId: c.statementId } : {}),
      ...(c.error ? { error: c.error } : {}),
    },
    c.rule ?? UNMATCHED,
  );
}

function recordFailure(a: FileAttempt, c: FileClaim, status: FileStatus, refusal: Refusal | undefined) {
  return a.deps.audit.recordFailure({
    stage: "files",
    runId: c.rule ?? UNMATCHED,
    error: c.error ?? status,
    retryable: false,
    key: a.input.key,
    ...(c.table ? { table: c.table } : {}),
    ...(refusal?.context?.sql ? { sql: refusal.context.sql } : {}),
    details: {
      status,
      code: refusal?.code ?? status,
      destination: c.destination,
      version: a.version,
      ...(refusal?.details ?? {}),
      ...(refusal?.context?.details ?? {}),
    },
  });
}

function publishEvent(a: FileAttempt, c: FileClaim, status: FileStatus) {
  return a.deps.events.publish(
    toStatusEvent(
      {
        status,
        ...a.base,
        ...(c.rule ? { rule: c.rule } : {}),
        ...(c.table ? { target: c.table } : {}),
        rows: c.rows ?? 0,
        destination: c.destination ?? "",
        ...(c.parts && c.parts.length > 0 ? { parts: c.parts } : {}),
        ...(c.error ? { error: c.error } : {}),
        attempt: a.attempt,
        durationMs: a.elapsed(),
      },
      a.deps.clock(),
    ),
  );
}

function alert(a: FileAttempt, c: FileClaim, status: FileStatus, refusal: Refusal | undefined) {
  return a.deps.alerter.alert({
    stage: "files",
    runId: c.rule ?? UNMATCHED,
    ...(c.table ? { table: c.table } : {}),
    key: a.input.key,
    subject:
      status === "FINISHED"
        ? `FINISHED: ${c.rows ?? 0} rows${c.table ? ` into ${c.table}` : ""}${c.parts?.length ? `, ${c.parts.length} parts` : ""}`
        : `${status}: ${c.error ?? ""}`,
    detail: {
      status,
      ...a.base,
      rule: c.rule ?? null,
      destination: c.destination,
      rows: c.rows ?? 0,
      ...(c.parts?.length ? { parts: c.parts } : {}),
      ...(c.error ? { error: c.error } : {}),
      ...(refusal ? { code: refusal.code } : {}),
      attempt: a.attempt,
    },
  });
}
