import { clearBlockage, currentBlockage, recordSkippedRun } from "@etl/ops";
import { ObjectNotFoundError, runIdFromManifestKey, runManifestKey } from "@etl/s3-io";
import { createS3ObjectStore, isLocalS3Server } from "@etl/s3-io/aws";
import {
  BLOCKABLE_STAGES,
  type BlockableStage,
  ProcessedRunManifestSchema,
  type RunId,
  RunIdSchema,
} from "@etl/schemas";
import {
  blockageOfRun,
  operatorAudit,
  operatorAuditItem,
  operatorName,
  operatorState,
  redeliverBlockedRuns,
} from "../../blocked-runs";
import type { OperatorTarget } from "../../operator";
import { CliError, type Command, out, UsageError } from "../command";
import { RUN_ID_EXAMPLE } from "../run-ids";
import { targetOptions, withTarget } from "./operate";
import { drainStages } from "./replay";

/**
 * The run the stage goes on from once `runId` is skipped: for the load, the skipped run's own
 * previous run (its processed manifest says); for the transform, the ingest run before it.
 */
async function previousRunOf(
  target: OperatorTarget,
  stage: BlockableStage,
  runId: RunId,
): Promise<string | null> {
  const store = createS3ObjectStore(target.s3, {
    localServer: target.kind === "local" && isLocalS3Server(target.env),
  });
  if (stage === "load") {
    const bucket = target.env.PROCESSED_BUCKET ?? "";
    const body = await store.get(bucket, runManifestKey(runId)).catch((error: unknown) => {
      if (error instanceof ObjectNotFoundError)
        throw new CliError(
          `run ${runId} has no processed manifest in ${bucket}: it is not transformed, so the load has nothing of it to skip`,
        );
      throw error;
    });
    const manifest = ProcessedRunManifestSchema.safeParse(JSON.parse(Buffer.from(body).toString("utf8")));
    // A forged or broken manifest names no previous run to trust: the run before it by id is.
    if (manifest.success && manifest.data.previousRunId !== undefined) return manifest.data.previousRunId;
  }
  let previous: string | null = null;
  for await (const object of store.list(target.env.INGEST_BUCKET ?? "", "runs/")) {
    const id = runIdFromManifestKey(object.key);
    if (id !== undefined && id < runId && (previous === null || id > previous)) previous = id;
  }
  return previous;
}

export const skip: Command = {
  name: "skip",
  summary: 'skip a run that blocks its stage, on the record: etl skip <runId> --reason "..."',
  usage:
    'etl skip <runId> --reason "..." [--stage load|transform] [--by NAME] [--aws] [--data-dir DIR]\n\n' +
    "  Only a run that blocks its stage (`etl status` shows it) is skipped. The skip is recorded\n" +
    "  (state table, and an audit item SKIPPED with who, when and why); the runs after it go on\n" +
    "  from the run before it, and those acknowledged behind it are delivered again.\n" +
    "  Nothing is deleted: the skipped run's files stay, and `etl replay <runId>` loads it later\n" +
    '  (docs/operations.md, "A run blocks the pipeline").\n\n' +
    "  --reason TEXT   why (required; kept in the audit)\n" +
    "  --stage STAGE   the blocked stage, when the run blocks both (default: the one it blocks)\n" +
    "  --by NAME       who skips it (default: user@host)",
  options: {
    ...targetOptions,
    reason: { type: "string" },
    stage: { type: "string" },
    by: { type: "string" },
  },
  async run({ values, positionals }) {
    const runId = positionals[0];
    if (!runId || !RunIdSchema.safeParse(runId).success)
      throw new UsageError(
        `give the run id to skip (like ${RUN_ID_EXAMPLE}); \`etl status\` shows the blocked one`,
      );
    const reason = typeof values.reason === "string" ? values.reason.trim() : "";
    if (!reason) throw new UsageError('say why: --reason "..." (it is kept in the audit)');
    const stageOption = values.stage;
    if (stageOption !== undefined && !BLOCKABLE_STAGES.includes(stageOption as BlockableStage))
      throw new UsageError(
        `--stage must be one of ${BLOCKABLE_STAGES.join(", ")}, got ${JSON.stringify(stageOption)}`,
      );
    return withTarget(values, async (target, dataDir, opened) => {
      const state = operatorState(target);
      const blockage = stageOption
        ? await currentBlockage(state, stageOption as BlockableStage)
        : await blockageOfRun(state, runId);
      if (blockage?.runId !== runId)
        throw new CliError(
          `run ${runId} does not block ${stageOption ? `the ${stageOption}` : "any stage"}` +
            `${blockage ? ` (run ${blockage.runId} does)` : ""}: only a run that blocks is skipped; \`etl status\` shows what blocks`,
        );
      const { stage } = blockage;
      const previousRunId = await previousRunOf(target, stage, runId as RunId);
      const by = operatorName(values.by);
      const at = new Date();
      await recordSkippedRun(state, {
        stage,
        runId,
        reason,
        by,
        at: at.toISOString(),
        previousRunId,
        blockedBy: { code: blockage.code, reason: blockage.reason },
      });
      await operatorAudit(target).record([
        operatorAuditItem(
          stage,
          runId,
          "SKIPPED",
          `skipped on the record by ${by}: ${reason}; it was blocked by ${blockage.code}; ` +
            `later runs go on from ${previousRunId ? `run ${previousRunId}` : "the start"}; its files stay, ` +
            "`etl replay` loads it once fixed",
          at,
        ),
      ]);
      const cleared = await clearBlockage(state, stage, runId);
      out(`run ${runId} skipped at the ${stage} by ${by}: ${reason}`);
      out(`  later runs go on from ${previousRunId ? `run ${previousRunId}` : "the start"}`);
      if (cleared.next)
        out(
          `  run ${cleared.next.runId} failed behind it and blocks the ${stage} now: ${cleared.next.reason}`,
        );
      const runs = await redeliverBlockedRuns(target, dataDir, state, stage);
      out(
        `  ${runs.length} run(s) waiting behind it delivered again${runs.length ? `: ${runs.map((r) => r.runId).join(", ")}` : ""}`,
      );
      if (target.kind === "aws") return 0;
      return drainStages(
        opened,
        dataDir,
        stage === "transform" ? ["transform", "load"] : ["load"],
        values.quiet === true,
      );
    });
  },
};
