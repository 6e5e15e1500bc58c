import { randomUUID } from "node:crypto";
import type { FileQueue, QueueMessage } from "./file-queue";

/** The parts of Lambda's context object the handlers use. */
export interface LocalContext {
  functionName: string;
  awsRequestId: string;
  invokedFunctionArn: string;
  memoryLimitInMB: string;
  functionVersion: string;
  logGroupName: string;
  logStreamName: string;
  callbackWaitsForEmptyEventLoop: boolean;
  getRemainingTimeInMillis(): number;
}

export function localContext(functionName: string, timeoutMs = 900_000): LocalContext {
  const deadline = Date.now() + timeoutMs;
  return {
    functionName,
    awsRequestId: randomUUID(),
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: "1024",
    functionVersion: "$LATEST",
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: "local",
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
}

/** The SQS event Lambda's event source mapping builds from received messages. */
export function toSqsEvent(queue: FileQueue, messages: QueueMessage[], region: string) {
  return {
    Records: messages.map((m) => ({
      messageId: m.messageId,
      receiptHandle: m.receiptHandle,
      body: m.body,
      attributes: {
        ApproximateReceiveCount: String(m.receiveCount),
        SentTimestamp: String(m.sentAt),
        SenderId: "AIDALOCAL",
        ApproximateFirstReceiveTimestamp: String(Date.now()),
        ...(m.groupId ? { MessageGroupId: m.groupId } : {}),
        ...(m.dedupId ? { MessageDeduplicationId: m.dedupId } : {}),
        ...(queue.fifo ? { SequenceNumber: m.receiptHandle.replace(/\D/g, "").slice(0, 20) } : {}),
      },
      messageAttributes: {},
      md5OfBody: "",
      eventSource: "aws:sqs",
      eventSourceARN: queue.arn.replace(":local:", `:${region}:`),
      awsRegion: region,
    })),
  };
}

export type SqsHandler = (event: ReturnType<typeof toSqsEvent>, context: LocalContext) => Promise<unknown>;

function failuresOf(response: unknown): string[] {
  if (typeof response !== "object" || response === null || !("batchItemFailures" in response)) return [];
  const failures = (response as { batchItemFailures: unknown }).batchItemFailures;
  return Array.isArray(failures)
    ? failures.map((f: { itemIdentifier?: unknown }) => String(f.itemIdentifier))
    : [];
}

export interface DrainResult {
  invocations: number;
  succeeded: number;
  retried: number;
  deadLettered: number;
}

/**
 * Delivers a queue's messages to a handler until the queue is empty, as an SQS event source
 * mapping does: failed items (`batchItemFailures`, or the whole batch when the handler throws)
 * become visible again and move to the dead-letter folder after the queue's `maxReceives`.
 */
export async function drainQueue(
  queue: FileQueue,
  handler: SqsHandler,
  options: { functionName: string; region: string; batchSize?: number; onError?: (error: unknown) => void },
): Promise<DrainResult> {
  const result: DrainResult = { invocations: 0, succeeded: 0, retried: 0, deadLettered: 0 };
  for (;;) {
    const messages = queue.receive(options.batchSize ?? (queue.fifo ? 1 : 10));
    if (messages.length === 0) return result;
    result.invocations += 1;
    let failed: Set<string>;
    try {
      const response = await handler(
        toSqsEvent(queue, messages, options.region),
        localContext(options.functionName),
      );
      failed = new Set(failuresOf(response));
    } catch (error) {
      options.onError?.(error);
      failed = new Set(messages.map((m) => m.messageId));
    }
    for (const message of messages) {
      if (!failed.has(message.messageId)) {
        queue.ack(message.receiptHandle);
        result.succeeded += 1;
      } else if (queue.fail(message.receiptHandle) === "dead") {
        result.deadLettered += 1;
      } else {
        result.retried += 1;
      }
    }
  }
}
