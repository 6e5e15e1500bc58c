import { createLogger, createMetrics } from "@etl/ops";
import { createMemoryAlerter, createMemoryAuditLog } from "@etl/ops/testing";
import { createMemoryObjectStore } from "@etl/s3-io/testing";
import { describe, expect, it, vi } from "vitest";
import type { LoadConfig } from "../shared/config";
import { createCompletionHandler } from "./completion-handler";
import type { LoadAppDeps } from "./deps";
import type { RunWarehouse, StatementTracker } from "./steps/warehouse";

vi.hoisted(() => {
  Object.assign(process.env, {
    PROCESSED_BUCKET: "placeholder-bucket",
    STATE_TABLE: "placeholder-state",
    AUDIT_TABLE: "placeholder-audit",
    FAILURE_TABLE: "placeholder-failures",
    WAREHOUSE_URL: "postgres://placeholder.invalid/warehouse",
  });
});

function app(tracker: StatementTracker | undefined): LoadAppDeps {
  const warehouse: RunWarehouse = {
    target: "redshift",
    async prepare() {},
    async load() {
      return { status: "loaded", files: [], rows: 0 };
    },
  };
  const load = {
    store: createMemoryObjectStore(),
    bucket: "etl-processed",
    warehouse,
    audit: createMemoryAuditLog(),
    alerter: createMemoryAlerter(),
    clock: () => new Date("2026-11-23T15:00:00Z"),
  };
  return {
    config: {} as LoadConfig,
    load,
    completion: tracker ? { ...load, statements: tracker, stuckAfterMs: 3_600_000 } : undefined,
    logger: createLogger("load", { env: { POWERTOOLS_LOG_LEVEL: "SILENT" } }),
    metrics: createMetrics("etl", "load"),
  };
}

function tracker(): StatementTracker & { settled: string[] } {
  const settled: string[] = [];
  return {
    settled,
    async pending() {
      return [];
    },
    async pendingRuns() {
      return [];
    },
    async settle(id) {
      settled.push(id);
      return undefined;
    },
    async finishRun() {},
    async markAlerted() {},
  };
}

/** The event the Data API sends to EventBridge when a statement sent `WithEvent` ends. */
const statusEvent = {
  version: "0",
  id: "2a8e2b2b-0000-4e3a-9a6b-1f0c3f9f7c11",
  "detail-type": "Redshift Data Statement Status Change",
  source: "aws.redshift-data",
  account: "123456789012",
  time: "2026-11-23T15:10:00Z",
  region: "eu-west-2",
  resources: ["arn:aws:redshift-serverless:eu-west-2:123456789012:workgroup/abc"],
  detail: {
    principal: "arn:aws:sts::123456789012:assumed-role/etl-load/x",
    statementName: "etl-load-c0ffee00",
    statementId: "d1c0f9b6-7d7a-4f5e-9b7a-2d0f3c2b1a00",
    redshiftQueryId: -1,
    state: "FINISHED",
    rows: 1,
    expireAt: 1764000000,
  },
};

const sweepEvent = {
  version: "0",
  id: "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
  "detail-type": "Scheduled Event",
  source: "aws.events",
  account: "123456789012",
  time: "2026-11-23T15:15:00Z",
  region: "eu-west-2",
  resources: ["arn:aws:events:eu-west-2:123456789012:rule/StatementSweep"],
  detail: {},
};

describe("the completion handler", () => {
  it("settles the statement a status event names", async () => {
    const t = tracker();
    const handler = createCompletionHandler(app(t));

    const response = await handler(statusEvent);

    expect(t.settled).toEqual([statusEvent.detail.statementId]);
    expect(response).toEqual({
      statusCode: 200,
      message: `statement ${statusEvent.detail.statementId} is not waiting to be finalised`,
    });
  });

  it("sweeps on the schedule", async () => {
    const handler = createCompletionHandler(app(tracker()));

    const response = await handler(sweepEvent);

    expect(response).toEqual({ statusCode: 200, message: "sweep: 0 finalised, 0 stuck, 0 runs continued" });
  });

  it("refuses other events, and runs only with a Redshift warehouse", async () => {
    await expect(createCompletionHandler(app(tracker()))({ source: "aws.s3" })).rejects.toThrow();
    await expect(createCompletionHandler(app(undefined))(sweepEvent)).rejects.toThrow(
      "WAREHOUSE_TARGET=redshift",
    );
  });
});
