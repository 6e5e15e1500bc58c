import { z } from "zod";

/**
 * A stage blocked by a run that failed for good (a corrupt file, a forged manifest): runs are
 * transformed and loaded in order, so every later run of that stage waits behind it. Kept in the
 * state table (one record per stage, id the stage) from the failure until the run is replayed
 * successfully or skipped by an operator.
 */
export const BLOCKAGE_NAMESPACE = "blockage";
/** A later run acknowledged while its stage is blocked, to be delivered again on unblocking (id `<stage>#<runId>`). */
export const BLOCKED_RUN_NAMESPACE = "blocked-run";
/** A later run that failed for good while an earlier one blocked its stage (id `<stage>#<runId>`). */
export const FAILED_BEHIND_NAMESPACE = "failed-behind";
/** A run an operator skipped at a stage, with who, when and why (id `<stage>#<runId>`). */
export const SKIPPED_RUN_NAMESPACE = "skipped-run";

/** The stages a run can block: the ones that take runs in order. */
export const BLOCKABLE_STAGES = ["transform", "load"] as const;
export type BlockableStage = (typeof BLOCKABLE_STAGES)[number];

export const BlockageRecordSchema = z.strictObject({
  stage: z.enum(BLOCKABLE_STAGES),
  /** The earliest run of the stage that failed for good: every later run waits behind it. */
  runId: z.string(),
  /** The error's code (CHECKSUM_MISMATCH, BAD_MANIFEST, ...). */
  code: z.string(),
  /** The error message, redacted. */
  reason: z.string(),
  /** When the run failed (ISO). */
  since: z.string(),
  table: z.string().optional(),
  key: z.string().optional(),
});
export type BlockageRecord = z.infer<typeof BlockageRecordSchema>;

export const BlockedRunRecordSchema = z.strictObject({
  stage: z.enum(BLOCKABLE_STAGES),
  runId: z.string(),
  /** The blocking run it waits behind. */
  behind: z.string(),
  /** When it was first acknowledged behind the blockage (ISO). */
  since: z.string(),
});
export type BlockedRunRecord = z.infer<typeof BlockedRunRecordSchema>;

export const SkippedRunRecordSchema = z.strictObject({
  stage: z.enum(BLOCKABLE_STAGES),
  runId: z.string(),
  /** Why, in the operator's words. */
  reason: z.string().min(1),
  /** Who skipped it (the operator's identity as the command saw it). */
  by: z.string(),
  /** When (ISO). */
  at: z.string(),
  /** The run the stage goes on from instead: the one before the skipped run (null: none). */
  previousRunId: z.string().nullable(),
  /** The failure the run was blocked by, if it was. */
  blockedBy: z.strictObject({ code: z.string(), reason: z.string() }).optional(),
});
export type SkippedRunRecord = z.infer<typeof SkippedRunRecordSchema>;

/** The state-table id of a run at a stage (blocked-run and skipped-run records). */
export const stageRunId = (stage: BlockableStage, runId: string): string => `${stage}#${runId}`;
