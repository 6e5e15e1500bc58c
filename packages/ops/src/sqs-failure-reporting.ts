import { EtlError, messageOf } from "@etl/schemas";
import { deliveryOf } from "./outcome/delivery";
import { decideReporting } from "./outcome/outcome-policy";
import { createOutcomeReporter, outcomeKindOf } from "./outcome/outcome-reporter";
import type { Alerter, AuditLog, Stage } from "./ports";

/** What a message was about, for the reports of its failures. */
export interface RecordSubject {
  runId: string;
  key?: string;
}

/**
 * Reporting of the retryable failures a use case throws without reporting them itself (it does
 * not take the message's delivery): the batch loop reports them by the outcome policy
 * (`decideReporting`), with the run and key `subjectOf` gives. A use case that reports its
 * outcomes through `createOutcomeReporter` with the delivery leaves this out.
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
  /**
   * The use case reports its own failures (with the delivery): the loop reports only the FIFO
   * records it left unprocessed behind a failed one, which no use case saw.
   */
  reportsOwnFailures?: boolean;
}

/** A record left unprocessed behind a failed one on a FIFO queue: it did not fail itself. */
class NotHandledError extends EtlError {
  constructor(message: string) {
    super(message, { retryable: true, code: "NOT_HANDLED" });
  }
}

export interface FailedRecord {
  messageId: string;
  attributes?: { ApproximateReceiveCount?: string };
  eventSourceARN?: string;
}

/** What a failed record is about; `{ runId: "-" }` (logged) when `subjectOf` cannot tell. */
export function subjectOfRecord<R extends { messageId: string }>(
  record: R,
  subjectOf: (record: R) => RecordSubject,
  logger: { warn(message: string, extra: Record<string, unknown>): void },
): RecordSubject {
  try {
    return subjectOf(record);
  } catch (describing) {
    logger.warn("could not tell what a failed message is about", {
      messageId: record.messageId,
      error: messageOf(describing),
    });
    return { runId: "-" };
  }
}

/**
 * Reports a record SQS will deliver again (or dead-letters on its last receive). `error`
 * undefined: the record was not handled, as a failed one before it holds its FIFO group; it
 * waits. The batch loop has no audit item of the attempt, so it audits only the dead letter.
 */
export async function reportRetried<R extends FailedRecord>(
  record: R,
  message: string,
  error: unknown,
  logger: { warn(message: string, extra: Record<string, unknown>): void },
  failures: FailureReporting<R>,
): Promise<{ subject: RecordSubject; deadLettered: boolean }> {
  const subject = subjectOfRecord(record, failures.subjectOf, logger);
  const failure = error ?? new NotHandledError(message);
  const isWait = (e: unknown) => e instanceof NotHandledError || failures.isWait?.(e) === true;
  const delivery = deliveryOf(record, failures.maxReceiveCount);
  const decision = decideReporting(outcomeKindOf(failure, isWait), delivery);
  const deadLettered = decision.audit === "dead-lettered";
  const reporter = createOutcomeReporter({ ...failures, isWait, logger });
  await reporter.failed({
    runId: subject.runId,
    error: failure,
    audit: deadLettered
      ? [
          {
            stage: failures.stage,
            runId: subject.runId,
            key: subject.key ?? "-",
            status: "FAILED",
            attempt: new Date().toISOString(),
            error: message,
          },
        ]
      : [],
    ...(subject.key ? { key: subject.key } : {}),
    delivery,
  });
  return { subject, deadLettered };
}
