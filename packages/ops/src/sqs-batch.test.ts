import { DataError, TransientError } from "@etl/schemas";
import { describe, expect, it } from "vitest";
import { retryBackoffSeconds } from "./sqs-backoff";
import { SETTLED_RECORDS, settleSqsBatch } from "./sqs-batch";
import { createMemoryAlerter, createMemoryAuditLog, createMemoryQueueVisibility } from "./testing";

const logs: string[] = [];
const logger = {
  warn: (m: string, e: Record<string, unknown>) => logs.push(`warn ${m} ${String(e.messageId)}`),
  error: (m: string, e: Record<string, unknown>) => logs.push(`error ${m} ${String(e.messageId)}`),
};
const records = ["ok-1", "retry", "bad", "ok-2"].map((messageId) => ({ messageId }));
const handle = async (r: { messageId: string }) => {
  if (r.messageId === "retry") throw new TransientError("database restarting");
  if (r.messageId === "bad") throw new DataError("not a manifest");
};

describe("settleSqsBatch", () => {
  it("reports retryable failures and acknowledges bad input", async () => {
    logs.length = 0;

    const result = await settleSqsBatch(records, handle, logger);

    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: "retry" }] });
    expect(logs).toEqual(["warn message failed retry", "error message failed bad"]);
  });

  it("on a FIFO queue fails every record after a retryable failure, unprocessed", async () => {
    const seen: string[] = [];

    const result = await settleSqsBatch(
      records,
      async (r) => {
        seen.push(r.messageId);
        await handle(r);
      },
      logger,
      { fifo: true },
    );

    expect(seen).toEqual(["ok-1", "retry"]);
    expect(result.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(["retry", "bad", "ok-2"]);
  });

  it("treats an unknown error as retryable, so nothing is dropped", async () => {
    const result = await settleSqsBatch(
      [{ messageId: "x" }],
      async () => {
        throw new Error("socket hang up");
      },
      logger,
    );

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: "x" }]);
  });
});

describe("settleSqsBatch without failure reporting", () => {
  it("names the run of a retried record from subjectOf, for the local runtime, and reports nothing", async () => {
    const fail = async () => {
      throw new TransientError("S3 is down");
    };

    const result = await settleSqsBatch([{ messageId: "m" }], fail, logger, {
      subjectOf: (r) => ({ runId: `run-of-${r.messageId}`, key: "runs/x.json" }),
    });

    expect(result[SETTLED_RECORDS]).toEqual([
      { messageId: "m", status: "retry", error: "S3 is down", runId: "run-of-m", key: "runs/x.json" },
    ]);
  });
});

describe("settleSqsBatch failure reporting", () => {
  const QUEUE_ARN = "arn:aws:sqs:eu-west-2:123456789012:etl-load.fifo";
  const onReceive = (messageId: string, receiveCount: number) => ({
    messageId,
    attributes: { ApproximateReceiveCount: String(receiveCount) },
    eventSourceARN: QUEUE_ARN,
  });
  const world = () => {
    const audit = createMemoryAuditLog();
    const alerter = createMemoryAlerter();
    const failures = {
      stage: "load" as const,
      audit,
      alerter,
      maxReceiveCount: 3,
      subjectOf: (r: { messageId: string }) => ({
        runId: `run-of-${r.messageId}`,
        key: `runs/${r.messageId}.json`,
      }),
      isWait: (e: unknown) => e instanceof TransientError && e.code === "WAREHOUSE_BUSY",
    };
    return { audit, alerter, failures };
  };
  const unreachable = async () => {
    throw new TransientError("connect ECONNREFUSED 127.0.0.1:5432", { code: "DB_UNAVAILABLE" });
  };

  it("alerts a retryable failure once, on its first receive, and dead-letters it on the last with an audit item and an alert", async () => {
    const { audit, alerter, failures } = world();

    const results = [];
    for (const receive of [1, 2, 3])
      results.push(await settleSqsBatch([onReceive("m", receive)], unreachable, logger, { failures }));

    expect(results.map((r) => r.batchItemFailures)).toEqual([
      [{ itemIdentifier: "m" }],
      [{ itemIdentifier: "m" }],
      [{ itemIdentifier: "m" }],
    ]);
    expect(alerter.sent.map((s) => s.subject)).toEqual([
      "ETL load m.json: failing, will retry (DB_UNAVAILABLE)",
      "ETL load m.json: dead-lettered after 3 receives (DB_UNAVAILABLE)",
    ]);
    expect(alerter.sent[1]?.message).toMatchObject({
      runId: "run-of-m",
      key: "runs/m.json",
      detail: { queue: "etl-load.fifo", messageId: "m", receiveCount: 3, maxReceiveCount: 3 },
    });
    expect(
      String(
        alerter.sent[1]?.message.detail &&
          (alerter.sent[1].message.detail as Record<string, unknown>).redrive,
      ),
    ).toContain("etl replay --dead-letters");
    expect(audit.items.map((i) => [i.stage, i.runId, i.key, i.status])).toEqual([
      ["load", "run-of-m", "runs/m.json", "DEAD_LETTERED"],
    ]);
    expect(audit.items[0]?.error).toContain("ECONNREFUSED");
    expect(audit.failures.map((f) => [f.runId, f.retryable, f.details?.deadLettered ?? false])).toEqual([
      ["run-of-m", true, false],
      ["run-of-m", true, true],
    ]);
  });

  it("does not alert a wait, but still reports it dead-lettered on the last receive", async () => {
    const { alerter, failures } = world();
    const busy = async () => {
      throw new TransientError("another run holds the warehouse", { code: "WAREHOUSE_BUSY" });
    };

    await settleSqsBatch([onReceive("w", 1)], busy, logger, { failures });
    await settleSqsBatch([onReceive("w", 3)], busy, logger, { failures });

    expect(alerter.sent.map((s) => s.subject)).toEqual([
      "ETL load w.json: dead-lettered after 3 receives (WAREHOUSE_BUSY)",
    ]);
  });

  it("reports a FIFO record left unprocessed on its last receive as dead-lettered too", async () => {
    const { audit, alerter, failures } = world();

    const result = await settleSqsBatch([onReceive("a", 1), onReceive("b", 3)], unreachable, logger, {
      fifo: true,
      failures,
    });

    expect(result.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(["a", "b"]);
    expect(alerter.sent.map((s) => s.subject)).toEqual([
      "ETL load a.json: failing, will retry (DB_UNAVAILABLE)",
      "ETL load b.json: dead-lettered after 3 receives (NOT_HANDLED)",
    ]);
    expect(audit.items.map((i) => [i.runId, i.status])).toEqual([["run-of-b", "DEAD_LETTERED"]]);
    expect(audit.items[0]?.error).toContain("message a before it in its FIFO group failed");
  });

  it("with reportsOwnFailures reports only the FIFO records it left unprocessed: the use case reported the rest", async () => {
    const { audit, alerter, failures } = world();

    await settleSqsBatch([onReceive("a", 3), onReceive("b", 3)], unreachable, logger, {
      fifo: true,
      failures: { ...failures, reportsOwnFailures: true },
    });

    expect(alerter.sent.map((s) => s.subject)).toEqual([
      "ETL load b.json: dead-lettered after 3 receives (NOT_HANDLED)",
    ]);
    expect(audit.items.map((i) => [i.runId, i.status])).toEqual([["run-of-b", "DEAD_LETTERED"]]);
  });

  it("hands the settled records (retry-after hints, acknowledged failures) to an in-process caller, not to Lambda", async () => {
    const result = await settleSqsBatch(
      [{ messageId: "slow" }, { messageId: "bad-data" }, { messageId: "ok" }],
      async (r) => {
        if (r.messageId === "slow") throw new TransientError("throttled", { retryAfterSeconds: 20 });
        if (r.messageId === "bad-data")
          return [{ runId: "20261123T000000Z-000001", key: "x.parquet", error: "checksum mismatch" }];
        return undefined;
      },
      logger,
    );

    expect(JSON.parse(JSON.stringify(result))).toEqual({ batchItemFailures: [{ itemIdentifier: "slow" }] });
    expect(result[SETTLED_RECORDS]).toEqual([
      { messageId: "slow", status: "retry", error: "throttled", retryAfterSeconds: 20 },
      {
        messageId: "bad-data",
        status: "failed",
        runId: "20261123T000000Z-000001",
        key: "x.parquet",
        error: "checksum mismatch",
      },
      { messageId: "ok", status: "done" },
    ]);
  });
});

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
