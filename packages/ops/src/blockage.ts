import {
  BLOCKAGE_NAMESPACE,
  BLOCKED_RUN_NAMESPACE,
  type BlockableStage,
  type BlockageRecord,
  BlockageRecordSchema,
  type BlockedRunRecord,
  BlockedRunRecordSchema,
  FAILED_BEHIND_NAMESPACE,
  SKIPPED_RUN_NAMESPACE,
  type SkippedRunRecord,
  SkippedRunRecordSchema,
  stageRunId,
} from "@etl/schemas";
import type { StateStore, StoredRecord } from "./ports";

/**
 * A stage's blockage in the state table: the earliest run of the stage that failed for good, the
 * later runs acknowledged behind it, and the runs an operator skipped. See the package README
 * ("Blocked runs") for the lifecycle.
 */

const parsed =
  <T>(schema: { safeParse(v: unknown): { success: boolean; data?: T } }) =>
  (record: StoredRecord | undefined): T | undefined => {
    if (!record) return undefined;
    const result = schema.safeParse(record.data);
    return result.success ? result.data : undefined;
  };
const toBlockage = parsed<BlockageRecord>(BlockageRecordSchema);
const toBlockedRun = parsed<BlockedRunRecord>(BlockedRunRecordSchema);
const toSkippedRun = parsed<SkippedRunRecord>(SkippedRunRecordSchema);

/** How `recordBlockage` went: a new blockage (alert it), the same one again, or a run behind an earlier one. */
export type BlockageRecorded = "new" | "same" | "behind";

/**
 * Records that `blockage.runId` failed for good at its stage. The earliest such run is the
 * blockage (runs go in order, so it is the one everything waits behind): a record of a later run
 * is kept, one of an earlier run replaces it. Only `new` calls for an alert, so a replay that
 * fails again or a second failing run does not alert the blockage twice.
 */
export async function recordBlockage(state: StateStore, blockage: BlockageRecord): Promise<BlockageRecorded> {
  const data = BlockageRecordSchema.parse(blockage);
  for (let tries = 0; tries < 5; tries++) {
    if (await state.putRecord(BLOCKAGE_NAMESPACE, data.stage, data, { ifAbsent: true })) return "new";
    const current = toBlockage(await state.getRecord(BLOCKAGE_NAMESPACE, data.stage));
    if (!current) continue;
    if (current.runId === data.runId) return "same";
    if (current.runId < data.runId) {
      // Kept to become the blockage when the one before it ends, so it cannot block silently.
      await state.putRecord(FAILED_BEHIND_NAMESPACE, stageRunId(data.stage, data.runId), data);
      return "behind";
    }
    // An earlier run failed after a later one (delivered out of order): it is the blockage now.
    if (await state.putRecord(BLOCKAGE_NAMESPACE, data.stage, data, { ifData: { runId: current.runId } })) {
      await state.putRecord(FAILED_BEHIND_NAMESPACE, stageRunId(current.stage, current.runId), current);
      return "new";
    }
  }
  return "same";
}

/** The stage's blockage, if a run blocks it. */
export async function currentBlockage(
  state: StateStore,
  stage: BlockableStage,
): Promise<BlockageRecord | undefined> {
  return toBlockage(await state.getRecord(BLOCKAGE_NAMESPACE, stage));
}

/** Every blocked stage's blockage. */
export async function listBlockages(state: StateStore): Promise<BlockageRecord[]> {
  return (await state.listRecords(BLOCKAGE_NAMESPACE)).flatMap((r) => toBlockage(r) ?? []);
}

/** What `clearBlockage` did: whether it ended the blockage, and the one that follows, if any. */
export interface ClearedBlockage {
  cleared: boolean;
  /** A later run that had failed for good behind it: the stage's blockage now. */
  next?: BlockageRecord;
}

/**
 * Ends the blockage of `stage` when `runId` is the run that blocks it (it succeeded after a fix,
 * or was skipped). A later run that failed for good behind it becomes the blockage in its place
 * (`next`), so it is shown and unblocked the same way. Another run's blockage is left alone.
 */
export async function clearBlockage(
  state: StateStore,
  stage: BlockableStage,
  runId: string,
): Promise<ClearedBlockage> {
  await state.deleteRecord(FAILED_BEHIND_NAMESPACE, stageRunId(stage, runId));
  const current = await currentBlockage(state, stage);
  if (current?.runId !== runId) return { cleared: false };
  if (!(await state.deleteRecord(BLOCKAGE_NAMESPACE, stage))) return { cleared: false };
  for (const record of await state.listRecords(FAILED_BEHIND_NAMESPACE, `${stage}#`)) {
    const next = toBlockage(record);
    if (!next || next.runId <= runId) continue;
    if (await state.putRecord(BLOCKAGE_NAMESPACE, stage, next, { ifAbsent: true }))
      await state.deleteRecord(FAILED_BEHIND_NAMESPACE, record.id);
    return { cleared: true, next };
  }
  return { cleared: true };
}

/** Notes a later run acknowledged behind the blockage, so unblocking delivers it again. */
export async function recordBlockedRun(state: StateStore, run: BlockedRunRecord): Promise<void> {
  const data = BlockedRunRecordSchema.parse(run);
  // The first time counts: a run delivered again behind the same blockage keeps its `since`.
  await state.putRecord(BLOCKED_RUN_NAMESPACE, stageRunId(data.stage, data.runId), data, { ifAbsent: true });
}

/** The runs acknowledged behind a blockage of `stage`, oldest first (run ids sort by time). */
export async function listBlockedRuns(state: StateStore, stage: BlockableStage): Promise<BlockedRunRecord[]> {
  return (await state.listRecords(BLOCKED_RUN_NAMESPACE, `${stage}#`)).flatMap((r) => toBlockedRun(r) ?? []);
}

/** Forgets a blocked run once it has been delivered again. */
export async function forgetBlockedRun(
  state: StateStore,
  stage: BlockableStage,
  runId: string,
): Promise<void> {
  await state.deleteRecord(BLOCKED_RUN_NAMESPACE, stageRunId(stage, runId));
}

/** Records an operator's skip; resolves false when the run was skipped at that stage already. */
export async function recordSkippedRun(state: StateStore, skip: SkippedRunRecord): Promise<boolean> {
  const data = SkippedRunRecordSchema.parse(skip);
  return state.putRecord(SKIPPED_RUN_NAMESPACE, stageRunId(data.stage, data.runId), data, { ifAbsent: true });
}

export async function skippedRun(
  state: StateStore,
  stage: BlockableStage,
  runId: string,
): Promise<SkippedRunRecord | undefined> {
  return toSkippedRun(await state.getRecord(SKIPPED_RUN_NAMESPACE, stageRunId(stage, runId)));
}

/** Every run skipped at `stage`, oldest first. */
export async function listSkippedRuns(state: StateStore, stage: BlockableStage): Promise<SkippedRunRecord[]> {
  return (await state.listRecords(SKIPPED_RUN_NAMESPACE, `${stage}#`)).flatMap((r) => toSkippedRun(r) ?? []);
}

/**
 * The run a stage must have done before `runId`, stepping over skipped runs: the manifest's
 * previous run while that is not skipped, else the skipped run's own previous, and so on. A
 * skipped run is then no longer waited for; null when nothing before it remains.
 */
export async function effectivePreviousRun(
  state: StateStore,
  stage: BlockableStage,
  previousRunId: string | null,
): Promise<string | null> {
  let previous = previousRunId;
  const seen = new Set<string>();
  while (previous !== null && !seen.has(previous)) {
    seen.add(previous);
    const skipped = await skippedRun(state, stage, previous);
    if (!skipped) return previous;
    previous = skipped.previousRunId;
  }
  return previous;
}
