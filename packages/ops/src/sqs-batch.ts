import { EtlError, isRetryable, messageOf, TransientError } from "@etl/schemas";
import type { Alerter, AuditLog, QueueVisibility, Stage } from "./ports";
import { redactSecrets } from "./redact";

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

/** The visibility backoff of a retryable failure (SQS's `ChangeMessageVisibility`). */
export interface BackoffOptions {
  /** The timeout after a first receive fails (default 60 s); doubles per receive. */
  baseSeconds?: number;
  /** The longest timeout (default 900 s). */
  maxSeconds?: number;
  /** A number in [0, 1), for the jitter. */
  random?: () => number;
}

export interface SettleOptions<R> {
  fifo?: boolean;
  failures?: FailureReporting<R>;
  /**
   * Sets each failed record's visibility timeout to its backoff, so SQS delivers it again in
   * seconds or minutes rather than after the queue's whole visibility timeout. Absent (the local
   * runtime, which delays retries itself): the queue's timeout applies.
   */
  visibility?: QueueVisibility;
  backoff?: BackoffOptions;
}

/** SQS's longest visibility timeout: 12 hours. */
export const MAX_VISIBILITY_SECONDS = 43_200;

/**
 * The visibility timeout after the `receiveCount`-th receive of a message failed: `baseSeconds`
 * doubling per receive up to `maxSeconds`, less up to half of it at random (so retries of many
 * messages spread, and none comes back at once to burn a receive).
 *
 * @example
 * retryBackoffSeconds(3, () => 0); // 240
 */
export function retryBackoffSeconds(
  receiveCount: number,
  random: () => number = Math.random,
  options: Omit<BackoffOptions, "random"> = {},
): number {
  const base = options.baseSeconds ?? 60;
  const cap = Math.min(options.maxSeconds ?? 900, MAX_VISIBILITY_SECONDS);
  const ceiling = Math.min(cap, base * 2 ** (Math.max(1, receiveCount) - 1));
  return ceiling - Math.floor((random() * ceiling) / 2);
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
  let blockedBy: { messageId: string; timeoutSeconds: number } | undefined;
  for (const record of records) {
    if (options.fifo && blockedBy !== undefined) {
      batchItemFailures.push({ itemIdentifier: record.messageId });
      // The same timeout as the failed record: a message of the group still in flight holds the
      // whole group, so a later one coming back after it would hold the failed one up.
      await backOff(record, blockedBy.timeoutSeconds, logger, options.visibility);
      const error = `not handled: message ${blockedBy.messageId} before it in its FIFO group failed`;
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
      const timeoutSeconds = visibilityTimeoutOf(record, error, options.backoff);
      blockedBy = { messageId: record.messageId, timeoutSeconds };
      await backOff(record, timeoutSeconds, logger, options.visibility);
      settled.push(await retried(record, messageOf(error), error, logger, options.failures));
    }
  }
  const result: SqsBatchResult = { batchItemFailures };
  Object.defineProperty(result, SETTLED_RECORDS, { value: settled, enumerable: false });
  return result;
}

/** A `TransientError`'s `retryAfterSeconds` when it gives one, else the backoff of the record's receive. */
function visibilityTimeoutOf(record: SqsRecordLike, error: unknown, backoff: BackoffOptions = {}): number {
  const hint = error instanceof TransientError ? error.retryAfterSeconds : undefined;
  if (hint !== undefined) return Math.min(Math.max(0, hint), MAX_VISIBILITY_SECONDS);
  return retryBackoffSeconds(receiveCountOf(record), backoff.random, backoff);
}

/**
 * Makes a failed record visible again after `timeoutSeconds`. A failure here changes nothing
 * else: the record is still reported failed, and SQS delivers it after the queue's own timeout.
 */
async function backOff(
  record: SqsRecordLike,
  timeoutSeconds: number,
  logger: BatchLogger,
  visibility: QueueVisibility | undefined,
): Promise<void> {
  if (!visibility) return;
  const { eventSourceARN: queueArn, receiptHandle } = record;
  try {
    if (!queueArn || !receiptHandle) throw new Error("the record has no eventSourceARN or receiptHandle");
    await visibility.changeVisibility({ queueArn, receiptHandle, timeoutSeconds });
  } catch (error) {
    logger.warn("could not back off a failed message", {
      messageId: record.messageId,
      timeoutSeconds,
      error: messageOf(error),
    });
  }
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
