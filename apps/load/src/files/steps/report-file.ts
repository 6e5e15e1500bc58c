import type { FileRule } from "@etl/db/rules";
import type { AuditItem } from "@etl/ops";
import { DataError, messageOf } from "@etl/schemas";
import type { FileClaim, FileStatus, ReportStep } from "./claims";
import { attemptItem, type FileAttempt, type Refusal, UNMATCHED } from "./file-attempt";
import { fileReporter } from "./file-reporter";
import { toStatusEvent } from "./status-events";

/** A rule's `notify` asks for success alerts; failures are alerted by the outcome policy. */
const notifiesSuccess = (notify: string | undefined): boolean => notify === "both" || notify === "success";

/**
 * Audit item, failure item, status event and alert. A FAILED or ABORTED file is reported by the
 * outcome policy (`fileReporter`: audited, recorded, alerted "failed, no retry"); a FINISHED one
 * is audited, and alerted when its rule asks (`notify`); the status event is published either
 * way. Each is attempted even when an earlier one fails (an audit table that refuses a write
 * must not silence the alert); the steps that are out are kept in the claim, so a redelivery
 * finishing the report repeats none of them.
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
  if (status === "FINISHED") await step("audit", () => a.deps.audit.record([outcomeItem(a, c, status)]));
  else await reportFailed(a, c, status, refusal, done).catch((error) => problems.push(messageOf(error)));
  await step("event", () => publishEvent(a, c, status));
  if (status === "FINISHED" && notifiesSuccess(rule?.notify ?? c.notify))
    await step("alert", () => alertFinished(a, c));
  const reported: FileClaim = { ...c, reportedSteps: [...done] };
  if (problems.length > 0) {
    await a.claims.save(a.id, reported).catch(() => undefined);
    throw new Error(problems.join("; "));
  }
  return { ...reported, reported: true };
}

/** The outcome's item belongs to the attempt that decided it (a redelivery finishing the report audits its own SKIPPED beside it). */
function outcomeItem(a: FileAttempt, c: FileClaim, status: FileStatus): AuditItem {
  return attemptItem(
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

/** A file that can never load: no retry helps, so the policy records and alerts it on any receive. */
async function reportFailed(
  a: FileAttempt,
  c: FileClaim,
  status: FileStatus,
  refusal: Refusal | undefined,
  done: Set<ReportStep>,
): Promise<void> {
  const code = refusal?.code ?? status;
  const sql = refusal?.context?.sql;
  await fileReporter(a.deps, done).failed({
    runId: c.rule ?? UNMATCHED,
    error: new DataError(c.error ?? status, { code }),
    audit: [outcomeItem(a, c, status)],
    key: a.input.key,
    ...(c.table ? { table: c.table } : {}),
    ...(sql ? { sql } : {}),
    details: {
      status,
      ...a.base,
      rule: c.rule ?? null,
      destination: c.destination,
      attempt: a.attempt,
      ...(refusal?.details ?? {}),
      ...(refusal?.context?.details ?? {}),
    },
    ...(a.input.delivery ? { delivery: a.input.delivery } : {}),
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

function alertFinished(a: FileAttempt, c: FileClaim) {
  return a.deps.alerter.alert({
    stage: "files",
    runId: c.rule ?? UNMATCHED,
    ...(c.table ? { table: c.table } : {}),
    key: a.input.key,
    subject: `FINISHED: ${c.rows ?? 0} rows${c.table ? ` into ${c.table}` : ""}${c.parts?.length ? `, ${c.parts.length} parts` : ""}`,
    detail: {
      status: "FINISHED",
      ...a.base,
      rule: c.rule ?? null,
      destination: c.destination,
      rows: c.rows ?? 0,
      ...(c.parts?.length ? { parts: c.parts } : {}),
      attempt: a.attempt,
    },
  });
}
