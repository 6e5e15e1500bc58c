import type { Delivery, OutcomeReporter } from "@etl/ops/outcome";
import { codeOf } from "@etl/ops/outcome";
import { isRetryable, messageOf } from "@etl/schemas";
import { removeOwnOutputs } from "./attempt-outputs";
import {
  auditItem,
  placeOf,
  type TransformAttempt,
  type TransformDeps,
  type TransformOutcome,
} from "./transform-attempt";

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
        durationMs: Math.round(performance.now() - attempt.started),
        error: message,
      }),
    ],
    ...where,
    details: bucket,
    ...(delivery ? { delivery } : {}),
  });
  if (retryable) throw error;
  return { status: "failed", runId, error: message, code, ...where };
}
