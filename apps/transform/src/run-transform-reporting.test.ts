import { createMemoryAlerter, createMemoryAuditLog } from "@etl/ops/testing";
import { createMemoryObjectStore } from "@etl/s3-io/testing";
import { describe, expect, it } from "vitest";
import { asRawTables, makeDataset } from "../test/support/dataset";
import { writeRawRun } from "../test/support/raw-run";
import { runTransform, type TransformDeps } from "./run-transform";

const INGEST = "ingest";
const PROCESSED = "processed";
const RUN_1 = "20240101T000000000Z-00000001";
const RUN_2 = "20240101T001500000Z-00000002";
const TAKEN = "star/dim_currency/2024/01/01/20240101T000000000Z-00000001-0000000a-0001.parquet";

/** A run whose attempt meets a key another attempt wrote: a retryable OUTPUT_CONFLICT. */
async function conflicting() {
  const store = createMemoryObjectStore();
  const audit = createMemoryAuditLog();
  const alerter = createMemoryAlerter();
  const deps: TransformDeps = {
    store,
    ingestBucket: INGEST,
    processedBucket: PROCESSED,
    partRows: 1000,
    audit,
    alerter,
    clock: () => new Date("2024-01-01T00:30:00.000Z"),
    attemptToken: () => "0000000a",
  };
  await writeRawRun(store, INGEST, { runId: RUN_1, tables: asRawTables(makeDataset({ orders: 3 })) });
  await store.put(PROCESSED, TAKEN, "something else");
  return { deps, audit, alerter, store };
}

describe("runTransform reports its failures by the outcome policy", () => {
  it("records and alerts a retryable failure on its message's first receive", async () => {
    const { deps, audit, alerter } = await conflicting();

    const attempt = runTransform({ runId: RUN_1, delivery: { receiveCount: 1, maxReceiveCount: 5 } }, deps);

    await expect(attempt).rejects.toMatchObject({ code: "OUTPUT_CONFLICT" });
    expect(audit.items.filter((i) => i.key === "-").map((i) => i.status)).toEqual(["FAILED"]);
    expect(audit.failures).toEqual([
      expect.objectContaining({ stage: "transform", runId: RUN_1, retryable: true, key: TAKEN }),
    ]);
    expect(alerter.sent.map((a) => a.alert.subject)).toEqual(["failing, will retry (OUTPUT_CONFLICT)"]);
  });

  it("only audits a retryable failure on a later receive", async () => {
    const { deps, audit, alerter } = await conflicting();

    const attempt = runTransform({ runId: RUN_1, delivery: { receiveCount: 3, maxReceiveCount: 5 } }, deps);

    await expect(attempt).rejects.toMatchObject({ code: "OUTPUT_CONFLICT" });
    expect(audit.items.filter((i) => i.key === "-").map((i) => i.status)).toEqual(["FAILED"]);
    expect(audit.failures).toEqual([]);
    expect(alerter.sent).toEqual([]);
  });

  it("dead-letters a retryable failure on its last receive", async () => {
    const { deps, audit, alerter } = await conflicting();

    const attempt = runTransform({ runId: RUN_1, delivery: { receiveCount: 5, maxReceiveCount: 5 } }, deps);

    await expect(attempt).rejects.toMatchObject({ code: "OUTPUT_CONFLICT" });
    expect(audit.items.filter((i) => i.key === "-").map((i) => i.status)).toEqual(["DEAD_LETTERED"]);
    expect(audit.failures).toEqual([
      expect.objectContaining({
        runId: RUN_1,
        retryable: true,
        details: expect.objectContaining({ deadLettered: true }),
      }),
    ]);
    expect(alerter.sent.map((a) => a.alert.subject)).toEqual([
      "dead-lettered after 5 receives (OUTPUT_CONFLICT)",
    ]);
  });

  it.each([
    [1, [], []],
    [5, ["DEAD_LETTERED"], ["dead-lettered after 5 receives (PREVIOUS_RUN_PENDING)"]],
  ])(
    "a run waiting for its previous run on receive %i of 5: failure items %j, alerts %j",
    async (receiveCount, failures, alerts) => {
      const { deps, audit, alerter, store } = await conflicting();
      await writeRawRun(store, INGEST, {
        runId: RUN_2,
        tables: { address: [makeDataset({ orders: 1 }).address[0] ?? {}] },
      });

      const attempt = runTransform({ runId: RUN_2, delivery: { receiveCount, maxReceiveCount: 5 } }, deps);

      await expect(attempt).rejects.toMatchObject({ code: "PREVIOUS_RUN_PENDING" });
      expect(audit.failures.map((f) => (f.details?.deadLettered ? "DEAD_LETTERED" : "FAILED"))).toEqual(
        failures,
      );
      expect(alerter.sent.map((a) => a.alert.subject)).toEqual(alerts);
    },
  );
});
