import { isRetryable, messageOf } from "@etl/schemas";

export interface SqsRecordLike {
  messageId: string;
}

export interface BatchLogger {
  warn(message: string, extra: Record<string, unknown>): void;
  error(message: string, extra: Record<string, unknown>): void;
}

export interface SqsBatchResult {
  batchItemFailures: { itemIdentifier: string }[];
}

/**
 * Handles an SQS batch record by record and answers with the partial batch response Lambda
 * expects. A retryable error reports its record as failed, so SQS delivers it again; any other
 * error is bad input that can never succeed: the use case has audited and alerted it, so it is
 * logged and acknowledged. With `fifo`, a failure also fails every later record of the batch
 * unprocessed, so a FIFO queue redelivers them in order.
 *
 * @example
 * return settleSqsBatch(Records, (record) => handleOne(record.body), deps.logger);
 */
export async function settleSqsBatch<R extends SqsRecordLike>(
  records: readonly R[],
  handle: (record: R) => Promise<void>,
  logger: BatchLogger,
  options: { fifo?: boolean } = {},
): Promise<SqsBatchResult> {
  const batchItemFailures: { itemIdentifier: string }[] = [];
  for (const record of records) {
    if (options.fifo && batchItemFailures.length > 0) {
      batchItemFailures.push({ itemIdentifier: record.messageId });
      continue;
    }
    try {
      await handle(record);
    } catch (error) {
      const retryable = isRetryable(error);
      logger[retryable ? "warn" : "error"]("message failed", {
        messageId: record.messageId,
        retryable,
        error: messageOf(error),
      });
      if (retryable) batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
}
