import { randomUUID } from "node:crypto";
import { SETTLED_RECORDS, type SettledRecord } from "@etl/ops";
import { messageOf, TransientError } from "@etl/schemas";
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
        ...(queue.fifo
          ? { SequenceNumber: (m.receiptHandle.split("#")[0] ?? "").replace(/\D/g, "").slice(0, 20) }
          : {}),
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

/** The records the shared batch loop settled, carried beside the response (Lambda never sees them). */
function settledOf(response: unknown): SettledRecord[] {
  if (typeof response !== "object" || response === null) return [];
  const settled = (response as { [SETTLED_RECORDS]?: unknown })[SETTLED_RECORDS];
  return Array.isArray(settled) ? (settled as SettledRecord[]) : [];
}

/** A message that did not get through: what the operator must hear about after a drain. */
export interface DrainProblem {
  messageId: string;
  /** `failed`: handled, failed for good and acknowledged (bad data, audited and alerted);
   * `dead-lettered`: moved to `dead/`; `pending`: failed, and its retry was still waiting when the drain stopped. */
  status: "failed" | "dead-lettered" | "pending";
  runId?: string;
  key?: string;
  error?: string;
}

export interface DrainResult {
  invocations: number;
  succeeded: number;
  retried: number;
  deadLettered: number;
  problems: DrainProblem[];
}

export interface DrainOptions {
  functionName: string;
  region: string;
  batchSize?: number;
  onError?: (error: unknown) => void;
  /**
   * How long in all the drain waits for failed messages to become visible again (their backoff)
   * before it stops and leaves them queued; 60 s by default. A queue with nothing waiting
   * returns at once.
   */
  maxWaitMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Delivers a queue's messages to a handler until the queue is empty, as an SQS event source
 * mapping does: failed items (`batchItemFailures`, or the whole batch when the handler throws)
 * become visible again after a backoff (a `TransientError`'s `retryAfterSeconds` when the handler
 * gives one) and move to the dead-letter folder on their `maxReceives`-th failure. Between
 * receives it sleeps until the next message is visible, within `maxWaitMs` in all.
 */
export async function drainQueue(
  queue: FileQueue,
  handler: SqsHandler,
  options: DrainOptions,
): Promise<DrainResult> {
  const result: DrainResult = { invocations: 0, succeeded: 0, retried: 0, deadLettered: 0, problems: [] };
  const waitingUntil = Date.now() + (options.maxWaitMs ?? 60_000);
  /** Messages this drain failed whose retry has not happened yet, by id. */
  const waiting = new Map<string, DrainProblem>();
  for (;;) {
    const messages = queue.receive(options.batchSize ?? (queue.fifo ? 1 : 10));
    if (messages.length === 0) {
      const next = queue.nextVisibleAt();
      if (next === undefined || next > waitingUntil) break;
      await sleep(Math.max(0, next - Date.now()) + 1);
      continue;
    }
    result.invocations += 1;
    let failed: Set<string>;
    let settled: SettledRecord[] = [];
    let thrown: unknown;
    try {
      const response = await handler(
        toSqsEvent(queue, messages, options.region),
        localContext(options.functionName),
      );
      failed = new Set(failuresOf(response));
      settled = settledOf(response);
    } catch (error) {
      options.onError?.(error);
      thrown = error;
      failed = new Set(messages.map((m) => m.messageId));
    }
    for (const message of messages) {
      waiting.delete(message.messageId);
      const records = settled.filter((s) => s.messageId === message.messageId);
      const about = records.find((s) => s.runId !== undefined) ?? {};
      for (const r of records.filter((s) => s.status === "failed"))
        result.problems.push({ messageId: message.messageId, status: "failed", ...subject(r) });
      if (!failed.has(message.messageId)) {
        queue.ack(message.receiptHandle);
        result.succeeded += 1;
        continue;
      }
      const hint =
        records.find((s) => s.retryAfterSeconds !== undefined)?.retryAfterSeconds ?? retryAfterOf(thrown);
      const outcome = queue.fail(message.receiptHandle, hint === undefined ? {} : { delayMs: hint * 1000 });
      const error =
        records.find((s) => s.error !== undefined)?.error ??
        (thrown === undefined ? undefined : messageOf(thrown));
      const problem = {
        messageId: message.messageId,
        ...subject(about),
        ...(error === undefined ? {} : { error }),
      };
      if (outcome === "dead") {
        result.deadLettered += 1;
        result.problems.push({ ...problem, status: "dead-lettered" });
      } else if (outcome === "retry") {
        result.retried += 1;
        waiting.set(message.messageId, { ...problem, status: "pending" });
      }
    }
  }
  result.problems.push(...waiting.values());
  return result;
}

function subject(record: { runId?: string; key?: string; error?: string }) {
  return {
    ...(record.runId === undefined ? {} : { runId: record.runId }),
    ...(record.key === undefined ? {} : { key: record.key }),
    ...(record.error === undefined ? {} : { error: record.error }),
  };
}

function retryAfterOf(error: unknown): number | undefined {
  return error instanceof TransientError ? error.retryAfterSeconds : undefined;
}
