import { clearBlockage } from "@etl/ops";
import type { OutcomeReporter } from "@etl/ops/outcome";
import { messageOf, type ProcessedRunManifest, reconcileRun } from "@etl/schemas";
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
  await reportReconciliation(deps, attempt, committed.manifest);
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

/**
 * Audits each source table's counts, alerts the rows the run held back (one alert per run,
 * naming the first few), and alerts and records as a failure a run whose counts do not add up.
 * Neither stops the run: the held rows are in the quarantine object its manifest lists.
 */
export async function reportReconciliation(
  deps: TransformDeps,
  attempt: TransformAttempt,
  manifest: ProcessedRunManifest,
): Promise<void> {
  const { runId } = attempt;
  const counts = manifest.counts ?? [];
  await deps.audit.record(
    counts.map(({ table, ...c }) =>
      auditItem(attempt, {
        key: `counts/${table}`,
        status: "FINISHED",
        table,
        bucket: deps.ingestBucket,
        rows: c.transformed,
        counts: c,
      }),
    ),
  );
  const held = counts.filter((c) => c.quarantined > 0);
  if (manifest.quarantine && held.length > 0) {
    const rows = held.reduce((n, c) => n + c.quarantined, 0);
    const first = held[0]?.table;
    deps.logger?.warn("rows held in quarantine", { runId, rows, key: manifest.quarantine.key });
    await deps.alerter.alert({
      stage: "transform",
      runId,
      ...(held.length === 1 && first ? { table: first } : {}),
      key: manifest.quarantine.key,
      subject: `${rows} row(s) quarantined, the rest loads`,
      detail: {
        runId,
        quarantined: Object.fromEntries(held.map((c) => [c.table, c.quarantined])),
        bucket: deps.processedBucket,
        key: manifest.quarantine.key,
        action: `the rest of the run loads; \`etl quarantine show ${runId}\` lists the rows and why, \`etl quarantine retry ${runId}\` loads them after the fix (docs/quarantine.md)`,
      },
    });
  }
  const problems = reconcileRun(manifest);
  if (problems.length === 0) return;
  const error = `counts do not add up: ${problems.join("; ")}`;
  deps.logger?.error("run counts do not add up", { runId, problems });
  await deps.audit.recordFailure({
    stage: "transform",
    runId,
    error,
    retryable: false,
    key: manifest.source.key,
    details: { code: "COUNT_MISMATCH", problems },
  });
  await deps.alerter.alert({
    stage: "transform",
    runId,
    subject: "counts do not add up",
    detail: { runId, code: "COUNT_MISMATCH", problems },
  });
}
