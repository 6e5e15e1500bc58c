import { DataError, TransientError } from "@etl/schemas";
import { describe, expect, it } from "vitest";
import { SETTLED_RECORDS, settleSqsBatch } from "./sqs-batch";
import { createMemoryAlerter, createMemoryAuditLog } from "./testing";

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
