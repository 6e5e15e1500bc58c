import { StatementStillRunningError } from "@etl/db/errors";
import type { AuditItem, AuditLog } from "@etl/ops";
import { createOutcomeReporter, type OutcomeReporter } from "@etl/ops/outcome";
import { EtlError } from "@etl/schemas";
import type { ReportStep } from "./claims";
import type { FileAttempt, FileLoadDeps } from "./file-attempt";

/** A file another attempt holds, or a Redshift statement still running: no fault until it dead-letters. */
export const isFileWait = (error: unknown): boolean =>
  error instanceof StatementStillRunningError || (error instanceof EtlError && error.code === "FILE_BUSY");

/**
 * The file loader's reporter: the one outcome policy of `@etl/ops/outcome`. Given the claim's
 * reported steps, each write (audit, failure item, alert) is skipped when an earlier delivery
 * made it, and added to the set once it succeeds: a redelivery that finishes a report which
 * partly failed repeats none of what was sent.
 *
 * @example
 * const done = new Set(claim.reportedSteps ?? []);
 * await fileReporter(deps, done).failed({ runId, error, audit: [item], key, delivery });
 */
export function fileReporter(deps: FileLoadDeps, done?: Set<ReportStep>): OutcomeReporter {
  const once =
    <T>(step: ReportStep, write: (value: T) => Promise<void>) =>
    async (value: T): Promise<void> => {
      if (done?.has(step)) return;
      await write(value);
      done?.add(step);
    };
  const audit: AuditLog = {
    record: once("audit", (items) => deps.audit.record(items)),
    recordFailure: once("failure", (failure) => deps.audit.recordFailure(failure)),
  };
  return createOutcomeReporter({
    stage: "files",
    audit,
    alerter: { alert: once("alert", (alert) => deps.alerter.alert(alert)) },
    isWait: isFileWait,
    ...(deps.logger ? { logger: deps.logger } : {}),
  });
}

/**
 * A retryable failure (or a wait) of an attempt, reported with the message's delivery: "failing"
 * on the first receive, "dead-lettered" on the last, nothing in between. Never throws: the
 * message comes back anyway.
 */
export async function reportRetry(
  a: FileAttempt,
  runId: string,
  error: unknown,
  audit: AuditItem[],
): Promise<void> {
  await fileReporter(a.deps).failed({
    runId,
    error,
    audit,
    key: a.input.key,
    details: { ...a.base, attempt: a.attempt },
    ...(a.input.delivery ? { delivery: a.input.delivery } : {}),
  });
}
