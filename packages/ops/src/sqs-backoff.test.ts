import { DataError, TransientError } from "@etl/schemas";
import { describe, expect, it } from "vitest";
import { retryBackoffSeconds } from "./sqs-backoff";
import { SETTLED_RECORDS, settleSqsBatch } from "./sqs-batch";
import { createMemoryQueueVisibility } from "./testing";

const logs: string[] = [];
const logger = {
  warn: (m: string, e: Record<string, unknown>) => logs.push(`warn ${m} ${String(e.messageId)}`),
  error: (m: string, e: Record<string, unknown>) => logs.push(`error ${m} ${String(e.messageId)}`),
};

describe("settleSqsBatch visibility backoff", () => {
  const QUEUE_ARN = "arn:aws:sqs:eu-west-2:123456789012:etl-load.fifo";
  const received = (messageId: string, receiveCount: number) => ({
    messageId,
    receiptHandle: `handle-of-${messageId}`,
    attributes: { ApproximateReceiveCount: String(receiveCount) },
    eventSourceARN: QUEUE_ARN,
  });
  const fail = (error: Error) => async (r: { messageId: string }) => {
    if (r.messageId.startsWith("fail")) throw error;
  };
  const down = new TransientError("connect ECONNREFUSED 127.0.0.1:5432", { code: "DB_UNAVAILABLE" });

  it("backs a retryable failure off by its receive count: 60 s doubling, capped at 15 minutes", async () => {
    const timeouts: number[][] = [];
    for (const random of [0, 0.5]) {
      const visibility = createMemoryQueueVisibility();
      for (const receive of [1, 2, 3, 4, 5, 6])
        await settleSqsBatch([received("fail", receive)], fail(down), logger, {
          visibility,
          backoff: { random: () => random },
        });
      timeouts.push(visibility.changes.map((c) => c.timeoutSeconds));
    }

    // random 0 is the top of each jitter range; 0.5 takes a quarter off.
    expect(timeouts).toEqual([
      [60, 120, 240, 480, 900, 900],
      [45, 90, 180, 360, 675, 675],
    ]);
    expect([1, 2, 3, 4, 5, 6].map((n) => retryBackoffSeconds(n, () => 0.999999))).toEqual([
      31, 61, 121, 241, 451, 451,
    ]);
  });

  it("names the queue and the received message in each change", async () => {
    const visibility = createMemoryQueueVisibility();

    await settleSqsBatch([received("fail-1", 1)], fail(down), logger, {
      visibility,
      backoff: { random: () => 0 },
    });

    expect(visibility.changes).toEqual([
      { queueArn: QUEUE_ARN, receiptHandle: "handle-of-fail-1", timeoutSeconds: 60 },
    ]);
  });

  it("uses a TransientError's retryAfterSeconds instead, within SQS's 12 hours", async () => {
    const visibility = createMemoryQueueVisibility();

    await settleSqsBatch(
      [received("fail-hint", 4)],
      fail(new TransientError("file held by another attempt", { code: "FILE_BUSY", retryAfterSeconds: 20 })),
      logger,
      { visibility, backoff: { random: () => 0 } },
    );
    await settleSqsBatch(
      [received("fail-long", 1)],
      fail(new TransientError("throttled", { retryAfterSeconds: 50_000 })),
      logger,
      { visibility },
    );

    expect(visibility.changes.map((c) => [c.receiptHandle, c.timeoutSeconds])).toEqual([
      ["handle-of-fail-hint", 20],
      ["handle-of-fail-long", 43_200],
    ]);
  });

  it("leaves done and acknowledged messages alone", async () => {
    const visibility = createMemoryQueueVisibility();

    const result = await settleSqsBatch(
      [received("ok", 1), received("bad", 1)],
      async (r) => {
        if (r.messageId === "bad") throw new DataError("not a manifest");
      },
      logger,
      { visibility },
    );

    expect(result.batchItemFailures).toEqual([]);
    expect(visibility.changes).toEqual([]);
  });

  it("on a FIFO queue sets every later record of the group to the failed record's timeout, so they return together and in order", async () => {
    const visibility = createMemoryQueueVisibility();

    const result = await settleSqsBatch(
      [received("ok", 1), received("fail", 3), received("next", 1), received("last", 2)],
      fail(down),
      logger,
      { fifo: true, visibility, backoff: { random: () => 0 } },
    );

    expect(result.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(["fail", "next", "last"]);
    expect(visibility.changes.map((c) => [c.receiptHandle, c.timeoutSeconds])).toEqual([
      ["handle-of-fail", 240],
      ["handle-of-next", 240],
      ["handle-of-last", 240],
    ]);
  });

  it("logs a failed ChangeMessageVisibility and keeps the outcome: the message still fails and is retried", async () => {
    logs.length = 0;
    const visibility = createMemoryQueueVisibility();
    visibility.failNext(new Error("AccessDenied: sqs:ChangeMessageVisibility"));

    const result = await settleSqsBatch([received("fail-a", 1), received("fail-b", 1)], fail(down), logger, {
      visibility,
      backoff: { random: () => 0 },
    });

    expect(result.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(["fail-a", "fail-b"]);
    expect(result[SETTLED_RECORDS]?.map((s) => s.status)).toEqual(["retry", "retry"]);
    expect(visibility.changes.map((c) => c.receiptHandle)).toEqual(["handle-of-fail-a", "handle-of-fail-b"]);
    expect(logs).toEqual([
      "warn message failed fail-a",
      "warn could not back off a failed message fail-a",
      "warn message failed fail-b",
    ]);
  });

  it("skips, with a warning, a record that does not say its queue or receipt handle", async () => {
    logs.length = 0;
    const visibility = createMemoryQueueVisibility();

    const result = await settleSqsBatch([{ messageId: "fail-bare" }], fail(down), logger, { visibility });

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: "fail-bare" }]);
    expect(visibility.changes).toEqual([]);
    expect(logs).toContain("warn could not back off a failed message fail-bare");
  });
});
