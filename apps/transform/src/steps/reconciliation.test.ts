import { createMemoryAlerter, createMemoryAuditLog } from "@etl/ops/testing";
import { createMemoryObjectStore } from "@etl/s3-io/testing";
import type { ProcessedRunManifest } from "@etl/schemas";
import { describe, expect, it } from "vitest";
import { reportReconciliation } from "./settle-run";
import { startAttempt, type TransformDeps } from "./transform-attempt";

const RUN = "20240101T000000000Z-00000001";

function setup() {
  const audit = createMemoryAuditLog();
  const alerter = createMemoryAlerter();
  const deps: TransformDeps = {
    store: createMemoryObjectStore(),
    ingestBucket: "ingest",
    processedBucket: "processed",
    partRows: 10,
    audit,
    alerter,
    clock: () => new Date("2024-01-01T00:30:00.000Z"),
    attemptToken: () => "0a1b2c3d",
  };
  return { deps, audit, alerter };
}

function manifest(overrides: Partial<ProcessedRunManifest>): ProcessedRunManifest {
  return {
    schemaVersion: 1,
    kind: "processed",
    runId: RUN,
    sequence: 1,
    createdAt: "2024-01-01T00:30:00.000Z",
    source: { bucket: "ingest", key: `runs/${RUN}.json` },
    files: [{ table: "fact_payment", key: "star/x.parquet", rows: 3, bytes: 1, sha256: "a".repeat(64) }],
    state: {},
    ...overrides,
  };
}

describe("reportReconciliation", () => {
  it("audits each table's counts and raises nothing when they add up", async () => {
    const { deps, audit, alerter } = setup();
    const counts = [{ table: "payment" as const, read: 3, transformed: 3, quarantined: 0, deleted: 0 }];

    await reportReconciliation(deps, startAttempt(RUN, deps), manifest({ counts }));

    expect(audit.items).toEqual([
      expect.objectContaining({
        key: "counts/payment",
        table: "payment",
        rows: 3,
        counts: { read: 3, transformed: 3, quarantined: 0, deleted: 0 },
      }),
    ]);
    expect(audit.failures).toEqual([]);
    expect(alerter.sent).toEqual([]);
  });

  it("records and alerts a run whose counts do not add up, naming the table", async () => {
    const { deps, audit, alerter } = setup();
    const counts = [{ table: "payment" as const, read: 4, transformed: 3, quarantined: 0, deleted: 0 }];

    await reportReconciliation(deps, startAttempt(RUN, deps), manifest({ counts }));

    expect(audit.failures).toEqual([
      expect.objectContaining({
        stage: "transform",
        runId: RUN,
        retryable: false,
        error: "counts do not add up: payment: read 4, transformed 3 + quarantined 0",
      }),
    ]);
    expect(alerter.sent.map((a) => a.alert)).toEqual([
      expect.objectContaining({ subject: "counts do not add up", runId: RUN }),
    ]);
  });
});
