import { isRetryable, messageOf, TransientError } from "@etl/schemas";
import type { QueueVisibility } from "./ports";
import { type BackoffOptions, backOff, visibilityTimeoutOf } from "./sqs-backoff";
import {
  type FailureReporting,
  type RecordSubject,
  reportRetried,
  subjectOfRecord,
} from "./sqs-failure-reporting";

export interface SqsRecordLike {
  messageId: string;
  /** Needed to change the message's visibility; SQS event records always carry it. */
  receiptHandle?: string;
  /** SQS sets `ApproximateReceiveCount` ("1" on the first receive). */
  attributes?: { ApproximateReceiveCount?: string };
  eventSourceARN?: string;
}

export interface BatchLogger {
  warn(message: string, extra: Record<string, unknown>): void;
  error(message: string, extra: Record<string, unknown>): void;
}

/** A message handled to the end that failed for good (bad data), already audited and alerted. */
export interface AcknowledgedFailure extends RecordSubject {
  error: string;
}

/** How a batch loop's record ended; the local runtime reads these (Lambda never sees them). */
export interface SettledRecord {
  messageId: string;
  status: "done" | "failed" | "retry" | "dead-lettered";
  runId?: string;
  key?: string;
  error?: string;
  /** From a `TransientError`: when to try again. */
  retryAfterSeconds?: number;
}

/**
 * The settled records ride on the batch response under this symbol: `JSON.stringify` (which is
 * how Lambda reads the response) skips symbol keys, so only an in-process caller such as the
 * local queue runtime sees them.
 */
export const SETTLED_RECORDS: unique symbol = Symbol.for("@etl/ops.settled-records");

export interface SqsBatchResult {
  batchItemFailures: { itemIdentifier: string }[];
  [SETTLED_RECORDS]?: SettledRecord[];
}

export interface SettleOptions<R> {
  fifo?: boolean;
  /** The run and key a failed record is about, for the settled records (without `failures`). */
  subjectOf?(record: R): RecordSubject;
  failures?: FailureReporting<R>;
  /**
   * Sets each failed record's visibility timeout to its backoff, so SQS delivers it again in
   * seconds or minutes rather than after the queue's whole visibility timeout. Absent (the local
   * runtime, which delays retries itself): the queue's timeout applies.
   */
  visibility?: QueueVisibility;
  backoff?: BackoffOptions;
}

/**
 * Handles an SQS batch record by record and answers with the partial batch response Lambda
 * expects. A retryable error reports its record as failed, so SQS delivers it again; any other
 * error is bad input that can never succeed: the use case has audited and alerted it, so it is
 * logged and acknowledged. With `fifo`, a failure also fails every later record of the batch
 * unprocessed, so a FIFO queue redelivers them in order.
 *
 * With `failures`, a retryable failure is reported by the outcome policy (`decideReporting`):
 * recorded and alerted on the message's first receive ("failing") and, on its last receive
 * (`ApproximateReceiveCount` reaching `maxReceiveCount`), audited `DEAD_LETTERED`, recorded and
 * alerted with how to redrive it. A use case that reports its own outcomes with the delivery
 * (`deliveryOf`) leaves `failures` out. `handle` may return the failures it acknowledged (bad
 * data), which the local runtime reports.
 *
 * @example
 * return settleSqsBatch(Records, (record) => handleOne(record.body), deps.logger);
 */
export async function settleSqsBatch<R extends SqsRecordLike>(
  records: readonly R[],
  handle: (record: R) => Promise<readonly AcknowledgedFailure[] | undefined> | Promise<void>,
  logger: BatchLogger,
  options: SettleOptions<R> = {},
): Promise<SqsBatchResult> {
  const batchItemFailures: { itemIdentifier: string }[] = [];
  const settled: SettledRecord[] = [];
  let blockedBy: { messageId: string; timeoutSeconds: number } | undefined;
  for (const record of records) {
    if (options.fifo && blockedBy !== undefined) {
      batchItemFailures.push({ itemIdentifier: record.messageId });
      // The same timeout as the failed record: a message of the group still in flight holds the
      // whole group, so a later one coming back after it would hold the failed one up.
      await backOff(record, blockedBy.timeoutSeconds, logger, options.visibility);
      const error = `not handled: message ${blockedBy.messageId} before it in its FIFO group failed`;
      settled.push(await retried(record, error, undefined, logger, options));
      continue;
    }
    try {
      const acknowledged: readonly AcknowledgedFailure[] = (await handle(record)) || [];
      if (acknowledged.length === 0) settled.push({ messageId: record.messageId, status: "done" });
      for (const failure of acknowledged)
        settled.push({ messageId: record.messageId, status: "failed", ...failure });
    } catch (error) {
      const retryable = isRetryable(error);
      logger[retryable ? "warn" : "error"]("message failed", {
        messageId: record.messageId,
        retryable,
        error: messageOf(error),
      });
      if (!retryable) {
        settled.push({ messageId: record.messageId, status: "failed", error: messageOf(error) });
        continue;
      }
      batchItemFailures.push({ itemIdentifier: record.messageId });
      const timeoutSeconds = visibilityTimeoutOf(record, error, options.backoff);
      blockedBy = { messageId: record.messageId, timeoutSeconds };
      await backOff(record, timeoutSeconds, logger, options.visibility);
      settled.push(await retried(record, messageOf(error), error, logger, options));
    }
  }
  const result: SqsBatchResult = { batchItemFailures };
  Object.defineProperty(result, SETTLED_RECORDS, { value: settled, enumerable: false });
  return result;
}

/** A record SQS will deliver again, or dead-letter on its last receive: reported as the policy says. */
async function retried<R extends SqsRecordLike>(
  record: R,
  message: string,
  error: unknown,
  logger: BatchLogger,
  { failures, subjectOf }: SettleOptions<R>,
): Promise<SettledRecord> {
  const hint = error instanceof TransientError ? error.retryAfterSeconds : undefined;
  const base = {
    messageId: record.messageId,
    error: message,
    ...(hint === undefined ? {} : { retryAfterSeconds: hint }),
  };
  if (!failures || (failures.reportsOwnFailures && error !== undefined)) {
    const named = failures?.subjectOf ?? subjectOf;
    return { ...base, ...(named ? subjectOfRecord(record, named, logger) : {}), status: "retry" };
  }
  const { subject, deadLettered } = await reportRetried(record, message, error, logger, failures);
  return { ...base, ...subject, status: deadLettered ? "dead-lettered" : "retry" };
}
