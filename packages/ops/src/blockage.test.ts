import type { BlockageRecord } from "@etl/schemas";
import { describe, expect, it } from "vitest";
import {
  clearBlockage,
  currentBlockage,
  effectivePreviousRun,
  forgetBlockedRun,
  listBlockages,
  listBlockedRuns,
  recordBlockage,
  recordBlockedRun,
  recordSkippedRun,
} from "./blockage";
import { createMemoryStateStore } from "./testing/memory-state-store";

const R1 = "20261123T141500123Z-00000001";
const R2 = "20261124T141500123Z-00000002";
const R3 = "20261125T141500123Z-00000003";
const R4 = "20261126T141500123Z-00000004";

const blockage = (runId: string, code = "CHECKSUM_MISMATCH"): BlockageRecord => ({
  stage: "load",
  runId,
  code,
  reason: `run ${runId} is corrupt`,
  since: "2026-12-05T12:00:00.000Z",
});

const skip = (runId: string, previousRunId: string | null) => ({
  stage: "load" as const,
  runId,
  reason: "file lost",
  by: "ops",
  at: "2026-12-05T12:30:00.000Z",
  previousRunId,
});

describe("recordBlockage", () => {
  it("records the first failing run as the blockage, once", async () => {
    const state = createMemoryStateStore();

    const first = await recordBlockage(state, blockage(R2));
    const again = await recordBlockage(state, blockage(R2));

    expect([first, again]).toEqual(["new", "same"]);
    expect(await currentBlockage(state, "load")).toEqual(blockage(R2));
  });

  it("keeps the earliest run: a later one is behind it, an earlier one replaces it", async () => {
    const state = createMemoryStateStore();
    await recordBlockage(state, blockage(R2));

    const later = await recordBlockage(state, blockage(R3));
    const earlier = await recordBlockage(state, blockage(R1, "BAD_MANIFEST"));

    expect([later, earlier]).toEqual(["behind", "new"]);
    expect(await currentBlockage(state, "load")).toEqual(blockage(R1, "BAD_MANIFEST"));
    expect(await listBlockages(state)).toEqual([blockage(R1, "BAD_MANIFEST")]);
  });

  it("keeps stages apart", async () => {
    const state = createMemoryStateStore();
    await recordBlockage(state, blockage(R2));

    expect(await recordBlockage(state, { ...blockage(R3), stage: "transform" })).toBe("new");
    expect(await currentBlockage(state, "transform")).toMatchObject({ runId: R3 });
  });
});

describe("clearBlockage", () => {
  it("ends the blockage only for the run that blocks", async () => {
    const state = createMemoryStateStore();
    await recordBlockage(state, blockage(R2));

    const other = await clearBlockage(state, "load", R3);
    const own = await clearBlockage(state, "load", R2);

    expect([other, own]).toEqual([{ cleared: false }, { cleared: true }]);
    expect(await currentBlockage(state, "load")).toBeUndefined();
  });

  it("hands the blockage on to a later run that failed for good behind it", async () => {
    const state = createMemoryStateStore();
    await recordBlockage(state, blockage(R2));
    await recordBlockage(state, blockage(R4, "BAD_MANIFEST"));

    const cleared = await clearBlockage(state, "load", R2);

    expect(cleared).toEqual({ cleared: true, next: blockage(R4, "BAD_MANIFEST") });
    expect(await currentBlockage(state, "load")).toEqual(blockage(R4, "BAD_MANIFEST"));
    expect(await clearBlockage(state, "load", R4)).toEqual({ cleared: true });
    expect(await currentBlockage(state, "load")).toBeUndefined();
  });

  it("forgets a run behind the blockage that loads after all", async () => {
    const state = createMemoryStateStore();
    await recordBlockage(state, blockage(R2));
    await recordBlockage(state, blockage(R3));

    await clearBlockage(state, "load", R3);

    expect(await clearBlockage(state, "load", R2)).toEqual({ cleared: true });
  });
});

describe("blocked runs", () => {
  it("lists the runs behind a blockage oldest first, keeps the first time, forgets one delivered again", async () => {
    const state = createMemoryStateStore();
    await recordBlockedRun(state, { stage: "load", runId: R4, behind: R2, since: "t2" });
    await recordBlockedRun(state, { stage: "load", runId: R3, behind: R2, since: "t1" });
    await recordBlockedRun(state, { stage: "load", runId: R3, behind: R2, since: "t3" });
    await recordBlockedRun(state, { stage: "transform", runId: R3, behind: R2, since: "t1" });

    await forgetBlockedRun(state, "load", R4);

    expect(await listBlockedRuns(state, "load")).toEqual([
      { stage: "load", runId: R3, behind: R2, since: "t1" },
    ]);
  });
});

describe("effectivePreviousRun", () => {
  it.each([
    ["nothing skipped: the manifest's previous run", [], R3, R3],
    ["the previous run skipped: the one before it", [skip(R3, R2)], R3, R2],
    ["two skipped in a row: past both", [skip(R3, R2), skip(R2, R1)], R3, R1],
    ["the first run skipped: none", [skip(R1, null)], R1, null],
    ["the first run of all", [], null, null],
  ])("%s", async (_, skips, previous, expected) => {
    const state = createMemoryStateStore();
    for (const s of skips) await recordSkippedRun(state, s);

    expect(await effectivePreviousRun(state, "load", previous)).toBe(expected);
  });

  it("records a skip once", async () => {
    const state = createMemoryStateStore();

    expect(await recordSkippedRun(state, skip(R2, R1))).toBe(true);
    expect(await recordSkippedRun(state, skip(R2, R1))).toBe(false);
  });
});
