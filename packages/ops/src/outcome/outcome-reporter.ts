import { EtlError, isRetryable, messageOf, TransientError } from "@etl/schemas";
import type { Alerter, AuditItem, AuditLog, Stage } from "../ports";
import { redactSecrets } from "../redact";
import type { Delivery } from "./delivery";
import {
  decideReporting,
  type OutcomeKind,
  policySubject,
  REDRIVE,
  type ReportingDecision,
  UNBLOCK,
} from "./outcome-policy";

export interface OutcomeReporterDeps {
  stage: Stage;
  audit: AuditLog;
  alerter: Alerter;
  /** Retryable errors that only wait for something else (an earlier run, a busy warehouse). */
  isWait?(error: unknown): boolean;
  logger?: { warn(message: string, extra: Record<string, unknown>): void };
}

/** A failed attempt, with everything its reports should say. */
export interface FailureReport {
  runId: string;
  error: unknown;
  /**
   * The attempt's audit items (its run item, key "-", and any file items). On a dead letter the
   * FAILED ones are written DEAD_LETTERED, so the last attempt says why the run stopped.
   */
  audit: readonly AuditItem[];
  table?: string;
  key?: string;
  /** The SQL that failed; stored and alerted with secrets redacted. */
  sql?: string;
  /** Facts for the failure item and the alert (bucket, statement id, ...). */
  details?: Record<string, unknown>;
  /** The message's delivery; absent for an invocation no queue redelivers (a schedule). */
  delivery?: Delivery;
  /**
   * Set when this failure is a new blockage of its stage (`recordBlockage`): "<stage> blocked
   * since run X ...". The alert says so, with the way out, so the runs waiting behind it need
   * no alerts of their own.
   */
  blocking?: string;
  /**
   * Set when this run already blocks its stage and was alerted as such (a duplicate delivery, a
   * replay that fails again): audited and recorded, not alerted again.
   */
  stillBlocking?: boolean;
}

export interface OutcomeReporter {
  /** Audits a successful (or skipped) attempt. */
  succeeded(items: readonly AuditItem[]): Promise<void>;
  /**
   * Reports a failed attempt as `decideReporting` says. Each report is attempted even when an
   * earlier one fails (an audit table that refuses a write must not silence the alert). A
   * permanent failure that could not be fully reported is thrown as a `TransientError`, so the
   * message is delivered again rather than acknowledged unrecorded; a retryable one is only
   * logged, as its message comes back anyway.
   */
  failed(report: FailureReport): Promise<ReportingDecision>;
}

/** How the policy sees an error. */
export function outcomeKindOf(error: unknown, isWait?: (error: unknown) => boolean): OutcomeKind {
  if (!isRetryable(error)) return "permanent";
  return isWait?.(error) === true ? "wait" : "retryable";
}

/** The error's code: an `EtlError`'s, else UNKNOWN. */
export const codeOf = (error: unknown): string => (error instanceof EtlError ? error.code : "UNKNOWN");

/**
 * The outcome reporter of one stage: the single place where what is audited, recorded as a
 * failure and alerted is decided (see `decideReporting` and the package README).
 *
 * @example
 * const reporter = createOutcomeReporter({ stage: "transform", audit, alerter, isWait });
 * await reporter.failed({ runId, error, audit: [runItem], table, key, delivery });
 */
export function createOutcomeReporter(deps: OutcomeReporterDeps): OutcomeReporter {
  return {
    async succeeded(items) {
      if (items.length > 0) await deps.audit.record([...items]);
    },
    async failed(report) {
      const kind = outcomeKindOf(report.error, deps.isWait);
      const decision = decideReporting(kind, report.delivery);
      const problems = await send(deps, report, kind, decision);
      if (problems.length === 0) return decision;
      const message = messageOf(report.error);
      deps.logger?.warn("could not report a failure", { runId: report.runId, error: message, problems });
      if (kind === "permanent")
        throw new TransientError(`${message} (and reporting it failed: ${problems.join("; ")})`, {
          cause: report.error,
        });
      return decision;
    },
  };
}

/** Writes what the decision calls for; resolves the reports that failed, each named. */
async function send(
  deps: OutcomeReporterDeps,
  report: FailureReport,
  kind: OutcomeKind,
  decision: ReportingDecision,
): Promise<string[]> {
  const { delivery } = report;
  const code = codeOf(report.error);
  const retryable = kind !== "permanent";
  const error = redactSecrets(messageOf(report.error));
  const sql = report.sql === undefined ? undefined : redactSecrets(report.sql);
  const receiveCount = delivery?.receiveCount ?? 1;
  const where = {
    ...(report.table ? { table: report.table } : {}),
    ...(report.key ? { key: report.key } : {}),
  };
  const received = delivery
    ? {
        receiveCount,
        maxReceiveCount: delivery.maxReceiveCount,
        ...(delivery.queue ? { queue: delivery.queue } : {}),
        ...(delivery.messageId ? { messageId: delivery.messageId } : {}),
      }
    : {};
  const deadLettered = decision.audit === "dead-lettered";
  const note = `dead-lettered by ${delivery?.queue ?? "its queue"} after ${receiveCount} receives`;
  const items = report.audit.map((item) =>
    deadLettered && item.status === "FAILED"
      ? { ...item, status: "DEAD_LETTERED" as const, error: `${item.error ?? error} (${note})` }
      : item,
  );
  const steps: [string, () => Promise<void>][] = [];
  if (items.length > 0) steps.push(["audit", () => deps.audit.record(items)]);
  if (decision.failureItem)
    steps.push([
      "failure",
      () =>
        deps.audit.recordFailure({
          stage: deps.stage,
          runId: report.runId,
          error,
          retryable,
          ...where,
          ...(sql ? { sql } : {}),
          details: { code, ...report.details, ...received, ...(deadLettered ? { deadLettered: true } : {}) },
        }),
    ]);
  const alert = report.stillBlocking ? undefined : decision.alert;
  if (alert)
    steps.push([
      "alert",
      () =>
        deps.alerter.alert({
          stage: deps.stage,
          runId: report.runId,
          ...where,
          // Short, so the code survives SNS's 99 characters beside a part file's name.
          subject:
            report.blocking && alert === "failed"
              ? `BLOCKING (${code})`
              : policySubject(alert, code, receiveCount),
          detail: {
            error,
            code,
            retryable,
            ...report.details,
            ...received,
            ...(sql ? { sql } : {}),
            ...(alert === "failing" && delivery
              ? {
                  retry: `${delivery.queue ?? "the queue"} delivers it again, up to ${delivery.maxReceiveCount} receives in all; one more alert if it is dead-lettered`,
                }
              : {}),
            ...(alert === "dead-lettered" ? { redrive: REDRIVE } : {}),
            ...(report.blocking ? { blocked: report.blocking, unblock: UNBLOCK } : {}),
          },
        }),
    ]);
  const settled = await Promise.allSettled(steps.map(([, step]) => step()));
  return settled.flatMap((result, i) =>
    result.status === "rejected" ? [`${steps[i]?.[0]}: ${messageOf(result.reason)}`] : [],
  );
}
