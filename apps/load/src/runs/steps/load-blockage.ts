import { PreviousRunNotLoadedError } from "@etl/db/errors";
import {
  currentBlockage,
  effectivePreviousRun,
  recordBlockage,
  recordBlockedRun,
  redactSecrets,
  type StateStore,
} from "@etl/ops";
import { codeOf } from "@etl/ops/outcome";
import { runManifestKey } from "@etl/s3-io";
import { isRetryable, messageOf, type RunId } from "@etl/schemas";
import type { LoadPlan } from "./plan-load";
import { type AuditContext, failurePlace } from "./report";

// The load's side of a blocked run (`docs/operations.md`): a run that fails for good is the
// load's blockage, the runs waiting for it are acknowledged behind it, skipped runs are stepped over.

/** The note on the run item of a run whose load ends the blockage it caused. */
export const UNBLOCKED_NOTE = "unblocked: this run blocked the load; the runs behind it follow";

/** The plan with its previous run resolved past the runs an operator skipped at the load. */
export async function stepOverSkipped(plan: LoadPlan, state: StateStore | undefined): Promise<LoadPlan> {
  if (!state || !plan.previousRunId) return plan;
  const previousRunId = await effectivePreviousRun(state, "load", plan.previousRunId);
  return previousRunId === plan.previousRunId ? plan : { ...plan, previousRunId };
}

/**
 * When the run waits for the run before it and an earlier run blocks the load: "waits behind run
 * X (code): reason". The run is recorded behind the blockage, to be delivered again when it ends.
 */
export async function behindBlockage(
  state: StateStore | undefined,
  clock: () => Date,
  runId: string,
  error: unknown,
): Promise<string | undefined> {
  if (!state || !(error instanceof PreviousRunNotLoadedError)) return undefined;
  const blockage = await currentBlockage(state, "load");
  if (!blockage || blockage.runId >= runId) return undefined;
  await recordBlockedRun(state, {
    stage: "load",
    runId,
    behind: blockage.runId,
    since: clock().toISOString(),
  });
  return `waits behind run ${blockage.runId}, which blocks the load (${blockage.code}): ${blockage.reason}`;
}

/**
 * Records a failure for good as the load's blockage. A new one gets the alert's line ("load
 * blocked since run X ..."); the same run failing again is not alerted again, so the blockage
 * gets one alert.
 */
export async function blockageOf(
  state: StateStore | undefined,
  clock: () => Date,
  runId: string,
  error: unknown,
  context: AuditContext,
): Promise<BlockageReport> {
  if (!state || isRetryable(error)) return {};
  const place = failurePlace(error);
  const recorded = await recordBlockage(state, {
    stage: "load",
    runId,
    code: codeOf(error),
    reason: redactSecrets(messageOf(error)),
    since: clock().toISOString(),
    ...(place.table ? { table: place.table } : {}),
    key:
      place.key ??
      context.plan?.tables.find((t) => t.table === place.table)?.files[0]?.key ??
      runManifestKey(runId as RunId),
  });
  if (recorded === "same") return { stillBlocking: true };
  if (recorded === "behind") return {};
  return {
    blocking: `load blocked since run ${runId}: every later run waits behind it until it is replayed after a fix or skipped`,
  };
}

/** How a failure's report speaks of the blockage (`FailureReport.blocking`, `stillBlocking`). */
export interface BlockageReport {
  blocking?: string;
  stillBlocking?: boolean;
}
