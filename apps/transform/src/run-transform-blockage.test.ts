import { currentBlockage, listBlockedRuns, recordSkippedRun } from "@etl/ops";
import { createMemoryAlerter, createMemoryAuditLog, createMemoryStateStore } from "@etl/ops/testing";
import { runManifestKey } from "@etl/s3-io";
import { createMemoryObjectStore } from "@etl/s3-io/testing";
import { ProcessedRunManifestSchema, type RunId } from "@etl/schemas";
import { describe, expect, it } from "vitest";
import { asRawTables, makeDataset } from "../test/support/dataset";
import { writeRawRun } from "../test/support/raw-run";
import { runTransform, type TransformDeps } from "./run-transform";

const INGEST = "ingest";
const PROCESSED = "processed";
const R1 = "20240101T000000000Z-00000001" as RunId;
const R2 = "20240101T001500000Z-00000002" as RunId;
const R3 = "20240101T003000000Z-00000003" as RunId;

/** Three raw runs; run 2's manifest is then replaced by one that does not parse (forged or broken). */
async function setup() {
  const store = createMemoryObjectStore();
  const data = makeDataset({ orders: 3 });
  for (const runId of [R1, R2, R3]) await writeRawRun(store, INGEST, { runId, tables: asRawTables(data) });
  const good = store.text(INGEST, runManifestKey(R2)) ?? "";
  await store.delete(INGEST, runManifestKey(R2));
  await store.put(INGEST, runManifestKey(R2), '{"schemaVersion": 1, "kind": "raw", "forged": true}');
  const deps = {
    store,
    ingestBucket: INGEST,
    processedBucket: PROCESSED,
    partRows: 1000,
    audit: createMemoryAuditLog(),
    alerter: createMemoryAlerter(),
    state: createMemoryStateStore(),
    clock: () => new Date("2024-01-01T00:45:00.000Z"),
  } satisfies TransformDeps;
  const restore = async () => {
    await store.delete(INGEST, runManifestKey(R2));
    await store.put(INGEST, runManifestKey(R2), good);
  };
  return { store, deps, restore };
}

const delivery = { receiveCount: 1, maxReceiveCount: 3, queue: "etl-transform" };

function previousOf(store: ReturnType<typeof createMemoryObjectStore>, runId: RunId) {
  const text = store.text(PROCESSED, runManifestKey(runId));
  return text === undefined ? undefined : ProcessedRunManifestSchema.parse(JSON.parse(text)).previousRunId;
}

describe("runTransform: a run that fails for good blocks the later runs, on the record", () => {
  it("records the blockage, alerts it once, and acknowledges the run behind it", async () => {
    const { deps } = await setup();
    await runTransform({ runId: R1 }, deps);

    const failed = await runTransform({ runId: R2, delivery }, deps);
    const behind = await runTransform({ runId: R3, delivery }, deps);

    expect([failed.status, behind.status]).toEqual(["failed", "blocked"]);
    expect(await currentBlockage(deps.state, "transform")).toMatchObject({ runId: R2, code: "BAD_MANIFEST" });
    expect(deps.alerter.sent.map((a) => a.subject)).toEqual([
      expect.stringContaining("BLOCKING (BAD_MANIFEST)"),
    ]);
    expect((await listBlockedRuns(deps.state, "transform")).map((r) => r.runId)).toEqual([R3]);
    expect(deps.audit.items).toContainEqual(
      expect.objectContaining({
        runId: R3,
        status: "BLOCKED",
        note: expect.stringContaining(`waits behind run ${R2}`),
      }),
    );
  });

  it("ends the blockage when the fixed run is transformed; the next builds on it", async () => {
    const { store, deps, restore } = await setup();
    await runTransform({ runId: R1 }, deps);
    await runTransform({ runId: R2 }, deps);
    await restore();

    const fixed = await runTransform({ runId: R2 }, deps);
    const next = await runTransform({ runId: R3 }, deps);

    expect([fixed.status, next.status]).toEqual(["done", "done"]);
    expect(await currentBlockage(deps.state, "transform")).toBeUndefined();
    expect(previousOf(store, R3)).toBe(R2);
  });

  it("steps over a run skipped on the record: the next builds on the run before it, and its load will not wait for it", async () => {
    const { store, deps } = await setup();
    await runTransform({ runId: R1 }, deps);
    await runTransform({ runId: R2 }, deps);
    await recordSkippedRun(deps.state, {
      stage: "transform",
      runId: R2,
      reason: "manifest forged",
      by: "ops",
      at: "2024-01-01T01:00:00.000Z",
      previousRunId: R1,
    });

    const next = await runTransform({ runId: R3 }, deps);

    expect(next.status).toBe("done");
    expect(previousOf(store, R3)).toBe(R1);
  });
});
