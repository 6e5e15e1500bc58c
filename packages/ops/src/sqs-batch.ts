import { EtlError, isRetryable, messageOf, TransientError } from "@etl/schemas";
import type { Alerter, AuditLog, Stage } from "./ports";
import { redactSecrets } from "./redact";

export interface SqsRecordLike {
  messageId: string;
  /** SQS sets `ApproximateReceiveCount` ("1" on the first receive). */
  attributes?: { ApproximateReceiveCount?: string };
  eventSourceARN?: string;
}

export interface BatchLogger {
  warn(message: string, extra: Record<string, unknown>): void;
  error(message: string, extra: Record<string, unknown>): void;
}

/** What a message was about, for the alerts and audit items of its failures. */
export interface RecordSubject {
  runId: string;
  key?: string;
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

/**
 * Who hears about retryable failures, and when: once when a message first fails (its first
 * receive), and once more when it fails its last receive and SQS dead-letters it. The use
 * cases only audit their retryable failures, so a retried message does not alert per attempt.
 */
export interface FailureReporting<R> {
  stage: Stage;
  audit: AuditLog;
  alerter: Alerter;
  /** The queue's `maxReceiveCount` (its redrive policy): the receive after which SQS dead-letters. */
  maxReceiveCount: number;
  /** The run and key a message is about; called only for failed messages. */
  subjectOf(record: R): RecordSubject;
  /** Retryable errors that mean "wait for something else" rather than a failure: no "failing" alert. */
  isWait?(error: unknown): boolean;
}

export interface SettleOptions<R> {
  fifo?: boolean;
  failures?: FailureReporting<R>;
}

const REDRIVE =
  "after fixing the cause, redrive the dead letters: `etl replay --dead-letters` locally, " +
  "`aws sqs start-message-move-task --source-arn <dead-letter queue ARN>` on AWS";

function receiveCountOf(record: SqsRecordLike): number {
  const count = Number(record.attributes?.ApproximateReceiveCount ?? "1");
  return Number.isInteger(count) && count > 0 ? count : 1;
}

function queueOf(record: SqsRecordLike): string {
  return record.eventSourceARN?.split(":").at(-1) ?? "queue";
}

/**
 * Handles an SQS batch record by record and answers with the partial batch response Lambda
 * expects. A retryable error reports its record as failed, so SQS delivers it again; any other
 * error is bad input that can never succeed: the use case has audited and alerted it, so it is
 * logged and acknowledged. With `fifo`, a failure also fails every later record of the batch
 * unprocessed, so a FIFO queue redelivers them in order.
 *
 * With `failures`, a retryable failure is alerted on the message's first receive ("failing") and,
 * on its last receive (`ApproximateReceiveCount` reaching `maxReceiveCount`), audited
 * `DEAD_LETTERED` and alerted with how to redrive it. `handle` may return the failures it
 * acknowledged (bad data), which the local runtime reports.
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
  let blockedBy: string | undefined;
  for (const record of records) {
    if (options.fifo && blockedBy !== undefined) {
      batchItemFailures.push({ itemIdentifier: record.messageId });
      const error = `not handled: message ${blockedBy} before it in its FIFO group failed`;
      settled.push(await retried(record, error, undefined, logger, options.failures));
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
      blockedBy = record.messageId;
      settled.push(await retried(record, messageOf(error), error, logger, options.failures));
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
  failures: FailureReporting<R> | undefined,
): Promise<SettledRecord> {
  const hint = error instanceof TransientError ? error.retryAfterSeconds : undefined;
  const base = {
    messageId: record.messageId,
    error: message,
    ...(hint === undefined ? {} : { retryAfterSeconds: hint }),
  };
  if (!failures) return { ...base, status: "retry" };
  const receiveCount = receiveCountOf(record);
  const last = receiveCount >= failures.maxReceiveCount;
  let subject: RecordSubject = { runId: "-" };
  try {
    subject = failures.subjectOf(record);
  } catch (describing) {
    logger.warn("could not tell what a failed message is about", {
      messageId: record.messageId,
      error: messageOf(describing),
    });
  }
  const settled: SettledRecord = { ...base, ...subject, status: last ? "dead-lettered" : "retry" };
  // A record left unprocessed behind a failed one did not fail itself: it is reported only if
  // it is dead-lettered.
  const wait = error === undefined || failures.isWait?.(error) === true;
  if (!last && (receiveCount > 1 || wait)) return settled;
  const code = error instanceof EtlError ? error.code : error === undefined ? "NOT_HANDLED" : "UNKNOWN";
  const queue = queueOf(record);
  const text = redactSecrets(message);
  const detail = {
    error: text,
    code,
    queue,
    messageId: record.messageId,
    receiveCount,
    maxReceiveCount: failures.maxReceiveCount,
  };
  try {
    if (last) {
      await failures.audit.record([
        {
          stage: failures.stage,
          runId: subject.runId,
          key: subject.key ?? "-",
          status: "DEAD_LETTERED",
          attempt: new Date().toISOString(),
          error: `${text} (dead-lettered by ${queue} after ${receiveCount} receives)`,
        },
      ]);
      await failures.alerter.alert({
        stage: failures.stage,
        runId: subject.runId,
        ...(subject.key ? { key: subject.key } : {}),
        subject: `dead-lettered after ${receiveCount} receives (${code})`,
        detail: { ...detail, redrive: REDRIVE },
      });
    } else {
      await failures.alerter.alert({
        stage: failures.stage,
        runId: subject.runId,
        ...(subject.key ? { key: subject.key } : {}),
        subject: `failing, will retry (${code})`,
        detail: {
          ...detail,
          retry: `${queue} delivers it again, up to ${failures.maxReceiveCount} receives in all; one more alert if it is dead-lettered`,
        },
      });
    }
  } catch (reporting) {
    // The message is failed either way: SQS delivers or dead-letters it, and its alarm fires.
    logger.error("could not report a failed message", {
      messageId: record.messageId,
      error: messageOf(reporting),
    });
  }
  return settled;
}
