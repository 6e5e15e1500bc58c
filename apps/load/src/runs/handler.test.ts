import { PreviousRunNotLoadedError } from "@etl/db/errors";
import { createLogger, createMetrics, type QueueVisibility } from "@etl/ops";
import { createMemoryAlerter, createMemoryAuditLog, createMemoryQueueVisibility } from "@etl/ops/testing";
import { runManifestKey } from "@etl/s3-io";
import { createMemoryObjectStore } from "@etl/s3-io/testing";
import { DataError, TransientError } from "@etl/schemas";
import { describe, expect, it, vi } from "vitest";
import { putProcessedRun, s3Notification, sqsEvent, starRowsOf } from "../../test/support/processed-run";
import type { LoadConfig } from "../shared/config";
import type { LoadAppDeps } from "./deps";
import { createHandler } from "./handler";
import type { RunWarehouse } from "./steps/warehouse";

// handler.ts builds its own deps from the environment when imported, as at a cold start.
vi.hoisted(() => {
  Object.assign(process.env, {
    PROCESSED_BUCKET: "placeholder-bucket",
    STATE_TABLE: "placeholder-state",
    AUDIT_TABLE: "placeholder-audit",
    FAILURE_TABLE: "placeholder-failures",
    WAREHOUSE_URL: "postgres://placeholder.invalid/warehouse",
  });
});

const BUCKET = "etl-processed";
const RUNS = ["20261123T141500123Z-00000001", "20261124T141500123Z-00000002", "20261125T141500123Z-00000003"];

/** A warehouse that loads everything but fails, retryably, on the runs named. */
function fakeWarehouse(
  failOn: Set<string>,
  refuse?: (runId: string) => Error,
): RunWarehouse & { loaded: string[] } {
  const loaded: string[] = [];
  return {
    target: "postgres",
    loaded,
    async prepare() {},
    async load(plan) {
      if (refuse) throw refuse(plan.runId);
      if (failOn.has(plan.runId)) throw new TransientError("warehouse restarting");
      loaded.push(plan.runId);
      return { status: "loaded", files: [], rows: 0 };
    },
  };
}

async function setup(failOn: string[] = [], visibility?: QueueVisibility, refuse?: (runId: string) => Error) {
  const store = createMemoryObjectStore();
  for (const runId of RUNS)
    await putProcessedRun(store, BUCKET, runId, { dim_currency: starRowsOf().dim_currency ?? [] });
  const warehouse = fakeWarehouse(new Set(failOn), refuse);
  const alerter = createMemoryAlerter();
  const app: LoadAppDeps = {
    config: { PROCESSED_BUCKET: BUCKET, MAX_RECEIVE_COUNT: 10 } as LoadConfig,
    load: {
      store,
      bucket: BUCKET,
      warehouse,
      audit: createMemoryAuditLog(),
      alerter,
      clock: () => new Date(),
    },
    completion: undefined,
    logger: createLogger("load", { env: { POWERTOOLS_LOG_LEVEL: "SILENT" } }),
    metrics: createMetrics("etl", "load"),
    visibility,
  };
  return {
    handler: createHandler(app),
    warehouse,
    alerter,
    audit: app.load.audit as ReturnType<typeof createMemoryAuditLog>,
  };
}

const body = (runId: string) => s3Notification(BUCKET, runManifestKey(runId));

/** One message for a run, on its `receiveCount`-th receive. */
function receivedEvent(runId: string, receiveCount: number) {
  const event = sqsEvent(body(runId));
  for (const record of event.Records) record.attributes.ApproximateReceiveCount = String(receiveCount);
  return event;
}

describe("the run-load handler reports by the outcome policy", () => {
  const wait = (runId: string) => new PreviousRunNotLoadedError(runId, RUNS[0] ?? "");
  const transient = () => new TransientError("warehouse restarting");
  const bad = () => new DataError("bad file", { code: "BAD_FILE" });
  it.each<[string, (runId: string) => Error, number, string[], string[], number]>([
    ["a wait on its first receive: audited, not alerted", wait, 1, [], ["FAILED"], 0],
    ["a wait on a later receive", wait, 5, [], ["FAILED"], 0],
    [
      "a wait on its last receive: dead-lettered",
      wait,
      10,
      ["dead-lettered after 10 receives"],
      ["DEAD_LETTERED"],
      1,
    ],
    [
      "a retryable failure on its first receive",
      transient,
      1,
      ["failing, will retry (TRANSIENT)"],
      ["FAILED"],
      1,
    ],
    ["a retryable failure on a later receive", transient, 4, [], ["FAILED"], 0],
    [
      "a retryable failure on its last receive",
      transient,
      10,
      ["dead-lettered after 10 receives (TRANSIENT)"],
      ["DEAD_LETTERED"],
      1,
    ],
    ["bad data, on any receive", bad, 3, ["failed, no retry (BAD_FILE)"], ["FAILED"], 1],
  ])("%s", async (_name, refuse, receiveCount, alerts, runStatuses, failureItems) => {
    const runId = RUNS[1] ?? "";
    const { handler, alerter, audit } = await setup([], undefined, refuse);

    await handler(receivedEvent(runId, receiveCount));

    expect(alerter.sent.map((a) => a.alert.subject)).toEqual(alerts.map((a) => expect.stringContaining(a)));
    expect(audit.items.filter((i) => i.key === "-").map((i) => i.status)).toEqual(runStatuses);
    expect(audit.failures).toHaveLength(failureItems);
  });
});

describe("the run-load handler", () => {
  it("sends no alert for a run that waits for the run before it (a wait, not a failure)", async () => {
    const { handler, alerter } = await setup(
      [],
      undefined,
      (runId) => new PreviousRunNotLoadedError(runId, RUNS[0] ?? ""),
    );

    const response = await handler(sqsEvent(body(RUNS[1] ?? "")));

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: expect.any(String) }] });
    expect(alerter.sent).toEqual([]);
  });

  it("loads every run of a batch and reports no failure", async () => {
    const { handler, warehouse } = await setup();

    const response = await handler(sqsEvent(body(RUNS[0] ?? ""), body(RUNS[1] ?? "")));

    expect(response).toEqual({ batchItemFailures: [] });
    expect(warehouse.loaded).toEqual(RUNS.slice(0, 2));
  });

  it("fails a retryable message and every later one, so the FIFO order holds", async () => {
    const { handler, warehouse } = await setup([RUNS[1] ?? ""]);

    const response = await handler(sqsEvent(body(RUNS[0] ?? ""), body(RUNS[1] ?? ""), body(RUNS[2] ?? "")));

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: "m-2" }, { itemIdentifier: "m-3" }] });
    expect(warehouse.loaded).toEqual([RUNS[0]]);
  });

  it("backs the failed message and every later one off with the same visibility timeout, when given the port", async () => {
    const visibility = createMemoryQueueVisibility();
    const { handler } = await setup([RUNS[1] ?? ""], visibility);

    await handler(sqsEvent(body(RUNS[0] ?? ""), body(RUNS[1] ?? ""), body(RUNS[2] ?? "")));

    const [failed, later] = visibility.changes;
    expect(visibility.changes.map((c) => [c.queueArn, c.receiptHandle])).toEqual([
      ["arn:aws:sqs:eu-west-2:123456789012:etl-load-runs.fifo", "r-2"],
      ["arn:aws:sqs:eu-west-2:123456789012:etl-load-runs.fifo", "r-3"],
    ]);
    // A first receive: 60 s less up to half of it at random, never the queue's 90 minutes.
    expect(failed?.timeoutSeconds).toBeGreaterThan(30);
    expect(failed?.timeoutSeconds).toBeLessThanOrEqual(60);
    expect(later?.timeoutSeconds).toBe(failed?.timeoutSeconds);
  });

  it("acknowledges a body that can never succeed, and ignores the S3 test event", async () => {
    const { handler, warehouse } = await setup();

    const response = await handler(
      sqsEvent(
        "not json",
        JSON.stringify({ Service: "Amazon S3", Event: "s3:TestEvent" }),
        body(RUNS[2] ?? ""),
      ),
    );

    expect(response).toEqual({ batchItemFailures: [] });
    expect(warehouse.loaded).toEqual([RUNS[2]]);
  });

  it("answers a direct invocation that cannot finish now with 503", async () => {
    const { handler } = await setup([RUNS[0] ?? ""]);

    const response = await handler({ runId: RUNS[0] });

    expect(response).toEqual({
      statusCode: 503,
      message: `run ${RUNS[0]} not loaded, retry later: warehouse restarting`,
    });
  });
});
