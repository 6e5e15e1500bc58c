import { createOutcomeReporter, type Delivery, type OutcomeReporter } from "@etl/ops/outcome";
import { PreviousRunPendingError } from "./errors";
import { commitRun } from "./steps/commit-run";
import { failRun } from "./steps/fail-run";
import { readRunInputs } from "./steps/read-run-inputs";
import { finishRun, skipIfCommitted, skipRun, sweepUnlisted } from "./steps/settle-run";
import {
  auditItem,
  startAttempt,
  type TransformDeps,
  type TransformOutcome,
} from "./steps/transform-attempt";
import { writeStarTables } from "./steps/write-star-tables";

export type {
  TableProgress,
  TransformDeps,
  TransformLogger,
  TransformOutcome,
} from "./steps/transform-attempt";

/** One run to transform, and the delivery of the message that asked (absent: a direct call). */
export interface TransformInput {
  runId: string;
  delivery?: Delivery;
}

/** The transform's reporter: a run waiting for the run before it is a wait, not a fault. */
export function transformReporter(deps: TransformDeps): OutcomeReporter {
  return createOutcomeReporter({
    stage: "transform",
    audit: deps.audit,
    alerter: deps.alerter,
    isWait: (error) => error instanceof PreviousRunPendingError,
    ...(deps.logger ? { logger: deps.logger } : {}),
  });
}

/**
 * Transforms one ingest run into star-schema Parquet in the processed bucket.
 *
 * 1. A run whose processed manifest exists is done: skipped (`skipIfCommitted`).
 * 2. The raw files and the reference state of the run before it are read (`readRunInputs`); a
 *    previous run not yet transformed is a retryable `PreviousRunPendingError`.
 * 3. The star tables are written (`writeStarTables`).
 * 4. The new state objects, then the processed manifest, last (`commitRun`).
 * 5. The run is audited and the objects no committed manifest lists are removed (`finishRun`).
 *
 * Every key the attempt writes holds its attempt token, so attempts of one run never write the
 * same object, and objects are never overwritten. The manifest put (`If-None-Match`) is the
 * commit: one attempt wins, and the others' objects are swept. A failure is reported by the
 * `@etl/ops` outcome policy, given the message's delivery (`failRun`): bad data returns `failed`,
 * retryable and unknown errors are thrown, so the queue redelivers.
 *
 * @example
 * const outcome = await runTransform({ runId: "20261123T141500123Z-00000042" }, deps);
 */
export async function runTransform(input: TransformInput, deps: TransformDeps): Promise<TransformOutcome> {
  const attempt = startAttempt(input.runId, deps);
  const reporter = transformReporter(deps);
  const skipped = await skipIfCommitted(deps, reporter, attempt);
  if (skipped) return skipped;
  try {
    await deps.audit.record([auditItem(attempt, { key: "-", status: "STARTED", bucket: deps.ingestBucket })]);
    const inputs = await readRunInputs(deps, attempt);
    const outputs = await writeStarTables(deps, attempt, inputs);
    const commit = await commitRun(deps, attempt, inputs, outputs);
    if (commit.status === "committed") return await finishRun(deps, reporter, attempt, commit, outputs);
    // Another attempt won: the sweep against its manifest removes everything this one wrote.
    if (commit.winner) await sweepUnlisted(deps, attempt, commit.winner);
    return await skipRun(deps, reporter, attempt);
  } catch (error) {
    return failRun(error, deps, reporter, attempt, input.delivery);
  }
}
