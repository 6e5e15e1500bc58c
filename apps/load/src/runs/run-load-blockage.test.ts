import { PreviousRunNotLoadedError } from "@etl/db/errors";
import { currentBlockage, listBlockedRuns, recordSkippedRun } from "@etl/ops";
import { createMemoryAlerter, createMemoryAuditLog, createMemoryStateStore } from "@etl/ops/testing";
import { runManifestKey } from "@etl/s3-io";
import { createMemoryObjectStore } from "@etl/s3-io/testing";
import { DataError, type RunId } from "@etl/schemas";
import { describe, expect, it } from "vitest";
import { putProcessedRun, starRowsOf } from "../../test/support/processed-run";
import { runLoad } from "./run-load";
import type { RunWarehouse } from "./steps/warehouse";

const BUCKET = "etl-processed";
const R1 = "20261123T141500123Z-00000001" as RunId;
const R2 = "20261124T141500123Z-00000002" as RunId;
const R3 = "20261125T141500123Z-00000003" as RunId;
const R4 = "20261126T141500123Z-00000004" as RunId;

/**
 * A warehouse that loads in order as the real ones do (a run whose previous run is not loaded
 * waits) and refuses the runs named corrupt, for good, as a checksum mismatch is refused.
 */
function orderedWarehouse(
  corrupt: Set<string>,
): RunWarehouse & { loaded: string[]; previous: (string | null)[] } {
  const loaded: string[] = [];
  const previous: (string | null)[] = [];
  return {
    target: "postgres",
    loaded,
    previous,
    async prepare() {},
    async load(plan) {
      previous.push(plan.previousRunId ?? null);
      if (plan.previousRunId && !loaded.includes(plan.previousRunId))
        throw new PreviousRunNotLoadedError(plan.runId, plan.previousRunId);
      if (corrupt.has(plan.runId))
        throw new DataError(`dim_currency star/x.parquet: sha256 differs from the manifest's`, {
          code: "CHECKSUM_MISMATCH",
        });
      loaded.push(plan.runId);
      return { status: "loaded", files: [], rows: 0 };
    },
  };
}

async function setup() {
  const store = createMemoryObjectStore();
  let previous: RunId | null = null;
  for (const runId of [R1, R2, R3, R4]) {
    await putProcessedRun(
      store,
      BUCKET,
      runId,
      { dim_currency: starRowsOf().dim_currency ?? [] },
      {
        previousRunId: previous,
      },
    );
    previous = runId;
  }
  const corrupt = new Set<string>([R2]);
  const warehouse = orderedWarehouse(corrupt);
  const deps = {
    store,
    bucket: BUCKET,
    warehouse,
    state: createMemoryStateStore(),
    audit: createMemoryAuditLog(),
    alerter: createMemoryAlerter(),
    clock: () => new Date("2026-12-05T12:00:00.000Z"),
  };
  const delivery = (receiveCount: number) => ({ receiveCount, maxReceiveCount: 3, queue: "etl-load.fifo" });
  return { deps, warehouse, corrupt, delivery };
}

describe("runLoad: a run that fails for good blocks the later runs, on the record", () => {
  it("records the blockage, alerts it once, and acknowledges the runs behind it without alerts", async () => {
    const { deps, delivery } = await setup();
    await runLoad({ runId: R1 }, deps);

    const failed = await runLoad({ runId: R2, delivery: delivery(1) }, deps);
    const duplicate = await runLoad({ runId: R2, delivery: delivery(1) }, deps);
    const behind = await runLoad({ runId: R3, delivery: delivery(1) }, deps);
    const again = await runLoad({ runId: R3, delivery: delivery(1) }, deps);
    const last = await runLoad({ runId: R4, delivery: delivery(3) }, deps);

    expect([failed.status, duplicate.status, behind.status, again.status, last.status]).toEqual([
      "failed",
      "failed",
      "blocked",
      "blocked",
      "blocked",
    ]);
    expect(await currentBlockage(deps.state, "load")).toEqual({
      stage: "load",
      runId: R2,
      code: "CHECKSUM_MISMATCH",
      reason: expect.stringContaining("sha256 differs"),
      since: "2026-12-05T12:00:00.000Z",
      key: expect.any(String),
    });
    expect(deps.alerter.sent.map((a) => a.subject)).toEqual([
      expect.stringContaining(": BLOCKING (CHECKSUM_MISMATCH)"),
    ]);
    expect(deps.audit.failures.filter((f) => f.runId === R2)).toHaveLength(2);
    expect(deps.alerter.sent[0]?.alert.detail).toMatchObject({
      blocked: expect.stringContaining(`load blocked since run ${R2}`),
    });
    expect((await listBlockedRuns(deps.state, "load")).map((r) => [r.runId, r.behind])).toEqual([
      [R3, R2],
      [R4, R2],
    ]);
    // One clock time: the two attempts of run 3 share an attempt, so one audit item.
    const blockedItems = deps.audit.items.filter((i) => i.status === "BLOCKED");
    expect(blockedItems.map((i) => [i.runId, i.key])).toEqual([
      [R3, "-"],
      [R4, "-"],
    ]);
    expect(blockedItems[0]?.note).toContain(`waits behind run ${R2}`);
  });

  it("a run behind a blockage that fails for good itself is alerted as a failure, not as a second blockage", async () => {
    const { deps } = await setup();
    await runLoad({ runId: R1 }, deps);
    await runLoad({ runId: R2 }, deps);
    await deps.store.put(BUCKET, runManifestKey(R3), "{ not a manifest");

    const outcome = await runLoad({ runId: R3 }, deps);

    expect(outcome.status).toBe("failed");
    expect(deps.alerter.sent.map((a) => a.subject)).toEqual([
      expect.stringContaining(": BLOCKING (CHECKSUM_MISMATCH)"),
      expect.stringMatching(/: failed, no retry \(BAD_MANIFEST\)$/),
    ]);
    expect(await currentBlockage(deps.state, "load")).toMatchObject({ runId: R2 });
  });

  it("ends the blockage when the run loads after the fix, and the runs behind it load", async () => {
    const { deps, warehouse, corrupt } = await setup();
    await runLoad({ runId: R1 }, deps);
    await runLoad({ runId: R2 }, deps);
    await runLoad({ runId: R3 }, deps);
    corrupt.delete(R2);

    const fixed = await runLoad({ runId: R2 }, deps);
    const next = await runLoad({ runId: R3 }, deps);

    expect([fixed.status, next.status]).toEqual(["loaded", "loaded"]);
    expect(await currentBlockage(deps.state, "load")).toBeUndefined();
    expect(warehouse.loaded).toEqual([R1, R2, R3]);
    expect(deps.audit.items.find((i) => i.runId === R2 && i.status === "FINISHED")?.note).toContain(
      "unblocked",
    );
  });

  it("steps over a run skipped on the record: the next run loads after the one before it", async () => {
    const { deps, warehouse } = await setup();
    await runLoad({ runId: R1 }, deps);
    await runLoad({ runId: R2 }, deps);
    await recordSkippedRun(deps.state, {
      stage: "load",
      runId: R2,
      reason: "file lost",
      by: "ops",
      at: "2026-12-05T12:30:00.000Z",
      previousRunId: R1,
    });
    await deps.state.deleteRecord("blockage", "load");

    const next = await runLoad({ runId: R3 }, deps);

    expect(next.status).toBe("loaded");
    expect(warehouse.loaded).toEqual([R1, R3]);
    expect(warehouse.previous.at(-1)).toBe(R1);
  });

  it("without a state store a run behind a failed one waits, as before", async () => {
    const { deps } = await setup();
    const { state: _state, ...stateless } = deps;
    await runLoad({ runId: R1 }, stateless);
    await runLoad({ runId: R2 }, stateless);

    await expect(runLoad({ runId: R3 }, stateless)).rejects.toBeInstanceOf(PreviousRunNotLoadedError);
  });
});
