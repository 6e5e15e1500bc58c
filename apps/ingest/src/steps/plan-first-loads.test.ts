import type { KeyRangeEnd } from "@etl/db/source";
import { createMemoryStateStore } from "@etl/ops/testing";
import type { SourceTable } from "@etl/schemas";
import { describe, expect, it } from "vitest";
import {
  FIRST_LOAD_NAMESPACE,
  type FirstLoadCursor,
  type PlanInputs,
  planFirstLoads,
  readFirstLoadCursors,
  recordFirstLoadCursors,
  tablesToDetect,
  watermarkTargets,
} from "./plan-first-loads";

const UPPER = "2024-01-01 00:29:00.000000";
const EARLIER = "2023-12-31 23:00:00.000000";

/** A source whose tables hold keys 1..n; `estimates` are the planner's guesses (defaults to n). */
function source(
  sizes: Partial<Record<SourceTable, number>>,
  estimates: Partial<Record<SourceTable, number>> = {},
) {
  const probes: { table: SourceTable; after: number | null; rows: number }[] = [];
  const rangeEnd = async (table: SourceTable, after: number | null, rows: number): Promise<KeyRangeEnd> => {
    probes.push({ table, after, rows });
    const size = sizes[table] ?? 0;
    const first = (after ?? 0) + 1;
    if (first > size) return { upTo: null, keys: 0, last: true };
    const upTo = Math.min(size, first + rows - 1);
    return { upTo, keys: upTo - first + 1, last: upTo === size };
  };
  const estimate = async (table: SourceTable) => estimates[table] ?? sizes[table] ?? 0;
  return { probes, rangeEnd, estimate };
}

function inputs(overrides: Partial<PlanInputs> & Pick<PlanInputs, "rangeEnd" | "estimate">): PlanInputs {
  return {
    tables: ["currency", "staff", "sales_order", "payment"],
    watermarks: {},
    cursors: new Map(),
    allowanceRows: undefined,
    upperBound: UPPER,
    ...overrides,
  };
}

describe("planFirstLoads", () => {
  it("without a budget or a cursor reads every table as before, probing nothing", async () => {
    const s = source({ currency: 3, staff: 20, sales_order: 1_000_000, payment: 900_000 });
    const plan = await planFirstLoads(inputs(s));
    expect(plan.steps.map((p) => p.read)).toEqual(["changes", "changes", "changes", "changes"]);
    expect(s.probes).toEqual([]);
  });

  it("reads whole the first snapshots that fit, starts a key range where one does not, and holds back the tables after it", async () => {
    const s = source({ currency: 3, staff: 20, sales_order: 1000, payment: 900 });
    const plan = await planFirstLoads(
      inputs({ ...s, tables: ["payment", "sales_order", "staff", "currency"], allowanceRows: 100 }),
    );
    // Dimensions before facts, whatever order the run lists them in.
    expect(plan.steps).toEqual([
      { table: "currency", read: "changes" },
      { table: "staff", read: "changes" },
      { table: "sales_order", read: "range", after: null, upTo: 77, last: false, bound: UPPER },
      { table: "payment", read: "wait" },
    ]);
    expect(tablesToDetect(plan)).toEqual(["currency", "staff", "sales_order"]);
    expect(watermarkTargets(plan, UPPER)).toEqual({ currency: UPPER, staff: UPPER });
  });

  it("reads a table with a watermark from it while a first load is in progress", async () => {
    const s = source({ currency: 3, staff: 20, sales_order: 1000, payment: 900 });
    const plan = await planFirstLoads(
      inputs({ ...s, watermarks: { "watermark#currency": EARLIER }, allowanceRows: 10 }),
    );
    expect(plan.steps.map((p) => `${p.table}:${p.read}`)).toEqual([
      "currency:changes",
      "staff:range",
      "sales_order:wait",
      "payment:wait",
    ]);
  });

  it("probes a table whose estimate is close to the allowance instead of trusting the estimate", async () => {
    const s = source({ currency: 3, staff: 20, sales_order: 1000, payment: 900 }, { sales_order: 10 });
    const plan = await planFirstLoads(inputs({ ...s, tables: ["sales_order"], allowanceRows: 15 }));
    expect(plan.steps).toEqual([
      { table: "sales_order", read: "range", after: null, upTo: 15, last: false, bound: UPPER },
    ]);
  });

  it("continues a cursor from its last key and bound, and ends the first load at its bound", async () => {
    const s = source({ currency: 3, staff: 20, sales_order: 1000, payment: 900 });
    const cursor: FirstLoadCursor = { bound: EARLIER, lastKey: 950, runId: "20240101T000000000Z-00000001" };
    const plan = await planFirstLoads(
      inputs({
        ...s,
        watermarks: { "watermark#currency": EARLIER, "watermark#staff": EARLIER },
        cursors: new Map([["sales_order", cursor]]),
        allowanceRows: 100,
      }),
    );
    expect(plan.steps).toEqual([
      { table: "currency", read: "changes" },
      { table: "staff", read: "changes" },
      { table: "sales_order", read: "range", after: 950, upTo: 1000, last: true, bound: EARLIER, cursor },
      { table: "payment", read: "range", after: null, upTo: 50, last: false, bound: UPPER },
    ]);
    // The finished table's watermark moves to its first range's bound, not to this run's.
    expect(watermarkTargets(plan, UPPER)).toEqual({ currency: UPPER, staff: UPPER, sales_order: EARLIER });
    // A continued first load keeps the key set of its start: deletions are found after it ends.
    expect(tablesToDetect(plan)).toEqual(["currency", "staff", "payment"]);
  });

  it("ignores a cursor left behind by a table whose watermark already moved", async () => {
    const s = source({ sales_order: 1000 });
    const cursor: FirstLoadCursor = { bound: EARLIER, lastKey: 10, runId: "20240101T000000000Z-00000001" };
    const plan = await planFirstLoads(
      inputs({
        ...s,
        tables: ["sales_order"],
        watermarks: { "watermark#sales_order": EARLIER },
        cursors: new Map([["sales_order", cursor]]),
        allowanceRows: 100,
      }),
    );
    expect(plan.steps).toEqual([{ table: "sales_order", read: "changes" }]);
  });
});

describe("first-load cursors", () => {
  const RUN_1 = { runId: "20240101T000000000Z-00000001" };
  const RUN_2 = { runId: "20240101T000100000Z-00000002" };
  const RUN_3 = { runId: "20240101T000200000Z-00000003" };

  async function planFrom(state: ReturnType<typeof createMemoryStateStore>) {
    const s = source({ sales_order: 250 });
    return planFirstLoads(
      inputs({
        ...s,
        tables: ["sales_order"],
        cursors: await readFirstLoadCursors(state),
        allowanceRows: 100,
      }),
    );
  }

  it("moves forward range by range and is removed when the first load ends", async () => {
    const state = createMemoryStateStore();
    const seen: string[] = [];
    for (const run of [RUN_1, RUN_2, RUN_3]) {
      const plan = await planFrom(state);
      const step = plan.steps[0];
      if (step?.read === "range") seen.push(`${step.after}..${step.upTo}${step.last ? " last" : ""}`);
      expect(await recordFirstLoadCursors({ state }, run, plan)).toBeUndefined();
    }
    expect(seen).toEqual(["null..100", "100..200", "200..250 last"]);
    expect(await state.getRecord(FIRST_LOAD_NAMESPACE, "sales_order")).toBeUndefined();
  });

  it("after a crash before the cursor is written, plans the same range again", async () => {
    const state = createMemoryStateStore();
    await recordFirstLoadCursors({ state }, RUN_1, await planFrom(state));
    const before = await planFrom(state);
    // RUN_2 read its range and died before recording: nothing changed, RUN_3 reads the same range.
    const again = await planFrom(state);
    expect(again).toEqual(before);
    expect(again.steps[0]).toMatchObject({ after: 100, upTo: 200 });
  });

  it("lets only one of two concurrent invocations move the cursor", async () => {
    const state = createMemoryStateStore();
    await recordFirstLoadCursors({ state }, RUN_1, await planFrom(state));
    const first = await planFrom(state);
    const second = await planFrom(state);
    expect(await recordFirstLoadCursors({ state }, RUN_2, first)).toBeUndefined();
    const note = await recordFirstLoadCursors({ state }, RUN_3, second);
    expect(note).toMatch(/another run moved the first-load cursor of sales_order/);
    expect((await state.getRecord(FIRST_LOAD_NAMESPACE, "sales_order"))?.data).toEqual({
      bound: UPPER,
      lastKey: 200,
      runId: RUN_2.runId,
    });
  });

  it("lets only one of two concurrent invocations start a first load", async () => {
    const state = createMemoryStateStore();
    const first = await planFrom(state);
    const second = await planFrom(state);
    expect(await recordFirstLoadCursors({ state }, RUN_1, first)).toBeUndefined();
    expect(await recordFirstLoadCursors({ state }, RUN_2, second)).toMatch(/another run/);
    expect((await state.getRecord(FIRST_LOAD_NAMESPACE, "sales_order"))?.data).toMatchObject({
      runId: RUN_1.runId,
    });
  });
});
