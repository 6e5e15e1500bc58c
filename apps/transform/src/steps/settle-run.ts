import { clearBlockage } from "@etl/ops";
import type { OutcomeReporter } from "@etl/ops/outcome";
import { messageOf, type ProcessedRunManifest } from "@etl/schemas";
import { removeUnlistedOutputs } from "./attempt-outputs";
import { readProcessedManifest } from "./run-manifests";
import {
  auditItem,
  type TransformAttempt,
  type TransformDeps,
  type TransformOutcome,
} from "./transform-attempt";
import type { StarOutputs } from "./write-star-tables";

/** Removes the objects of the run no committed manifest lists (losers', a crashed attempt's). */
export async function sweepUnlisted(
  deps: TransformDeps,
  attempt: TransformAttempt,
  manifest: ProcessedRunManifest,
): Promise<void> {
  const { runId } = attempt;
  const removed = await removeUnlistedOutputs(deps.store, deps.processedBucket, manifest, (message, fields) =>
    deps.logger?.warn(message, { runId, ...fields }),
  );
  if (removed.length > 0)
    deps.logger?.info("removed outputs no manifest lists", { runId, removed: removed.length });
}

/** Audits a run another attempt committed as SKIPPED. */
export async function skipRun(
  deps: TransformDeps,
  reporter: OutcomeReporter,
  attempt: TransformAttempt,
): Promise<TransformOutcome> {
  const { runId, manifestKey } = attempt;
  await reporter.succeeded([
    auditItem(attempt, { key: "-", status: "SKIPPED", bucket: deps.processedBucket }),
  ]);
  deps.logger?.info("run already transformed, skipped", { runId, manifestKey });
  return { status: "skipped", runId, manifestKey };
}

/**
 * A run whose processed manifest exists is done: skipped (a replay changes nothing), after
 * sweeping what other attempts left, as the winner may have died before doing it.
 */
export async function skipIfCommitted(
  deps: TransformDeps,
  reporter: OutcomeReporter,
  attempt: TransformAttempt,
): Promise<TransformOutcome | undefined> {
  if ((await deps.store.head(deps.processedBucket, attempt.manifestKey)) === undefined) return undefined;
  await readProcessedManifest(deps.store, deps.processedBucket, attempt.runId).then(
    (committed) => (committed ? sweepUnlisted(deps, attempt, committed) : undefined),
    (error: unknown) =>
      deps.logger?.warn("could not read the processed manifest to remove unlisted outputs", {
        runId: attempt.runId,
        error: messageOf(error),
      }),
  );
  return skipRun(deps, reporter, attempt);
}

/** Audits the committed run (its files, its state objects, then the run) and sweeps. */
/** The note on the run item of a run whose transform ends the blockage it caused. */
export const UNBLOCKED_NOTE = "unblocked: this run blocked the transform; the runs behind it follow";

export async function finishRun(
  deps: TransformDeps,
  reporter: OutcomeReporter,
  attempt: TransformAttempt,
  committed: { manifest: ProcessedRunManifest; stateFiles: ReturnType<typeof auditItem>[] },
  outputs: StarOutputs,
): Promise<TransformOutcome> {
  const { runId, manifestKey } = attempt;
  const bucket = deps.processedBucket;
  const { files } = committed.manifest;
  const rows = files.reduce((n, f) => n + f.rows, 0);
  await reporter.succeeded([
    ...files.map((f) =>
      auditItem(attempt, {
        key: f.key,
        status: "FINISHED",
        table: f.table,
        bucket,
        size: f.bytes,
        rows: f.rows,
      }),
    ),
    ...committed.stateFiles,
  ]);
  await sweepUnlisted(deps, attempt, committed.manifest);
  const durationMs = Math.round(performance.now() - attempt.started);
  const unblocked = deps.state ? (await clearBlockage(deps.state, "transform", runId)).cleared : false;
  await reporter.succeeded([
    auditItem(attempt, {
      key: "-",
      status: "FINISHED",
      bucket,
      rows,
      durationMs,
      ...(unblocked ? { note: UNBLOCKED_NOTE } : {}),
    }),
  ]);
  deps.logger?.info("run transformed", {
    runId,
    manifestKey,
    attempt: attempt.token,
    rows,
    files: files.length,
    durationMs,
  });
  return { status: "done", runId, manifestKey, rows, tables: outputs.progress };
}
