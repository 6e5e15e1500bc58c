/**
 * How an attempt ended, as far as reporting goes: `wait` is a retryable failure that only waits
 * for something else (an earlier run, a busy warehouse), not a fault anyone should act on yet.
 */
export type OutcomeKind = "success" | "permanent" | "retryable" | "wait";

/** Which delivery of its message an attempt is; absent for an invocation no queue redelivers. */
export interface ReceiveCount {
  /** SQS's `ApproximateReceiveCount`: 1 on the first receive. */
  receiveCount: number;
  /** The queue's redrive `maxReceiveCount`: a failure on this receive dead-letters the message. */
  maxReceiveCount: number;
}

/** The alert an outcome gets, if any. */
export type AlertKind = "failed" | "failing" | "dead-lettered";

export interface ReportingDecision {
  /** `dead-lettered`: the attempt's FAILED audit items are written as DEAD_LETTERED. */
  audit: "as-is" | "dead-lettered";
  /** Whether a failure item (the record of what broke, kept without expiry) is written. */
  failureItem: boolean;
  alert: AlertKind | undefined;
}

/**
 * The one reporting policy of every stage. Every attempt is audited. A failure is recorded and
 * alerted once when someone may need to act: a permanent failure (no retry can fix it) always; a
 * retryable one on its first receive ("failing, will retry") and again when its last receive
 * fails and SQS dead-letters it; nothing in between, so a retried message does not alert per
 * attempt. A wait is not a fault until it dead-letters. An invocation without a queue (the
 * ingest's schedule) is its own first receive and never dead-letters: its retry is the next run.
 *
 * @example
 * decideReporting("retryable", { receiveCount: 1, maxReceiveCount: 10 });
 * // { audit: "as-is", failureItem: true, alert: "failing" }
 */
export function decideReporting(kind: OutcomeKind, delivery?: ReceiveCount): ReportingDecision {
  const quiet: ReportingDecision = { audit: "as-is", failureItem: false, alert: undefined };
  if (kind === "success") return quiet;
  if (kind === "permanent") return { audit: "as-is", failureItem: true, alert: "failed" };
  const receiveCount = delivery?.receiveCount ?? 1;
  if (delivery !== undefined && receiveCount >= delivery.maxReceiveCount)
    return { audit: "dead-lettered", failureItem: true, alert: "dead-lettered" };
  if (kind === "retryable" && receiveCount <= 1)
    return { audit: "as-is", failureItem: true, alert: "failing" };
  return quiet;
}

/** The subject text of an alert of the policy (`alertSubject` adds stage, table and file). */
export function policySubject(kind: AlertKind, code: string, receiveCount: number): string {
  if (kind === "failed") return `failed, no retry (${code})`;
  if (kind === "failing") return `failing, will retry (${code})`;
  return `dead-lettered after ${receiveCount} receives (${code})`;
}

/** What the dead-letter alert tells the reader to do once the cause is fixed. */
export const REDRIVE =
  "after fixing the cause, redrive the dead letters: `etl replay --dead-letters` locally, " +
  "`aws sqs start-message-move-task --source-arn <dead-letter queue ARN>` on AWS";

/** What a blockage alert tells the reader to do: fix and replay, or skip on the record. */
export const UNBLOCK =
  "fix the cause (put back a good copy of the file) and `etl replay <runId>` (the runs behind it follow), " +
  'or skip it on the record: `etl skip <runId> --stage <stage> --reason "..."`; `etl status` shows the ' +
  "blockage; see docs/operations.md";
