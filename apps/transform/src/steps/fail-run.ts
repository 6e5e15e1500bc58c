import { currentBlockage, recordBlockage, recordBlockedRun, redactSecrets } from "@etl/ops";
import type { Delivery, OutcomeReporter } from "@etl/ops/outcome";
import { codeOf } from "@etl/ops/outcome";
import { runManifestKey } from "@etl/s3-io";
import { isRetryable, messageOf, type RunId } from "@etl/schemas";
import { PreviousRunPendingError } from "../errors";
import { removeOwnOutputs } from "./attempt-outputs";
import {
  auditItem,
  type Place,
  placeOf,
  type TransformAttempt,
  type TransformDeps,
  type TransformOutcome,
} from "./transform-attempt";

/**
 * When the run waits for the run before it and an earlier run blocks the transform: "waits
 * behind run X (code): reason". The run is recorded behind the blockage, to be delivered again
 * when it ends.
 */
async function behindBlockage(
  deps: TransformDeps,
  runId: string,
  error: unknown,
): Promise<string | undefined> {
  if (!deps.state || !(error instanceof PreviousRunPendingError)) return undefined;
  const blockage = await currentBlockage(deps.state, "transform");
  if (!blockage || blockage.runId >= runId) return undefined;
  await recordBlockedRun(deps.state, {
    stage: "transform",
    runId,
    behind: blockage.runId,
    since: deps.clock().toISOString(),
  });
  return `waits behind run ${blockage.runId}, which blocks the transform (${blockage.code}): ${blockage.reason}`;
}

/**
 * Records a failure for good as the transform's blockage. A new one gets the alert's line; the
 * same run failing again is not alerted again, so the blockage gets one alert.
 */
async function blockageOf(
  deps: TransformDeps,
  runId: RunId,
  error: unknown,
  place: Place,
): Promise<{ blocking?: string; stillBlocking?: boolean }> {
  if (!deps.state) return {};
  const recorded = await recordBlockage(deps.state, {
    stage: "transform",
    runId,
    code: codeOf(error),
    reason: redactSecrets(messageOf(error)),
    since: deps.clock().toISOString(),
    ...(place.table ? { table: place.table } : {}),
    key: place.key ?? runManifestKey(runId),
  });
  if (recorded === "same") return { stillBlocking: true };
  if (recorded === "behind") return {};
  return {
    blocking: `transform blocked since run ${runId}: every later run waits behind it until it is replayed after a fix or skipped`,
  };
}

/**
 * Ends a failed attempt: removes what it wrote (unless its manifest put had started: it may have
 * landed), then reports the failure by the outcome policy. Retryable (and unknown) errors are
 * thrown, so the queue redelivers and a new attempt starts over; bad data returns `failed`, so
 * the message is acknowledged.
 */
export async function failRun(
  error: unknown,
  deps: TransformDeps,
  reporter: OutcomeReporter,
  attempt: TransformAttempt,
  delivery: Delivery | undefined,
): Promise<TransformOutcome> {
  const { runId } = attempt;
  await removeOwnOutputs(
    deps.store,
    deps.processedBucket,
    runId,
    attempt.created,
    attempt.committing,
    (message, fields) => deps.logger?.warn(message, { runId, ...fields }),
  );
  const place = placeOf(error, attempt.current);
  const message = messageOf(error);
  const retryable = isRetryable(error);
  const code = codeOf(error);
  const durationMs = Math.round(performance.now() - attempt.started);
  const behind = await behindBlockage(deps, runId, error);
  if (behind) {
    await deps.audit.record([
      auditItem(attempt, { key: "-", status: "BLOCKED", durationMs, error: message, note: behind }),
    ]);
    deps.logger?.warn("transform acknowledged behind a blocked run", { runId, behind });
    return { status: "blocked", runId, error: behind };
  }
  const blockage = retryable ? {} : await blockageOf(deps, runId, error, place);
  deps.logger?.[retryable ? "warn" : "error"]("transform failed", {
    runId,
    retryable,
    code,
    error: message,
    ...place,
  });
  const where = { ...(place.table ? { table: place.table } : {}), ...(place.key ? { key: place.key } : {}) };
  const bucket = place.bucket ? { bucket: place.bucket } : {};
  await reporter.failed({
    runId,
    error,
    audit: [
      auditItem(attempt, {
        key: "-",
        status: "FAILED",
        ...(place.table ? { table: place.table } : {}),
        ...bucket,
        durationMs,
        error: message,
      }),
    ],
    ...where,
    details: bucket,
    ...(delivery ? { delivery } : {}),
    ...(blockage.blocking ? { blocking: blockage.blocking } : {}),
    ...(blockage.stillBlocking ? { stillBlocking: true } : {}),
  });
  if (retryable) throw error;
  return { status: "failed", runId, error: message, code, ...where };
}
