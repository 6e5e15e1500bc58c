import { createOutcomeReporter } from "@etl/ops/outcome";
import { messageOf } from "@etl/schemas";
import { auditItem, type IngestDeps, type IngestRun, type IngestSettings } from "./ingest-run";

/**
 * Reports a failed run by the `@etl/ops` outcome policy, then throws its error, so the
 * schedule's retry and the error alarm see it. A scheduled run has no queue: it is its own first
 * receive and never dead-letters (the next run reads the same rows again), so a retryable
 * failure is recorded and alerted "failing, will retry", a permanent one "failed, no retry".
 */
export async function failIngest(
  error: unknown,
  settings: IngestSettings,
  deps: IngestDeps,
  run: IngestRun,
): Promise<never> {
  const table = run.currentTable ? { table: run.currentTable } : {};
  const reporter = createOutcomeReporter({
    stage: "ingest",
    audit: deps.audit,
    alerter: deps.alerter,
    ...(deps.logger ? { logger: deps.logger } : {}),
  });
  await reporter.failed({
    runId: run.runId,
    error,
    audit: [auditItem(run, settings, { key: "-", status: "FAILED", error: messageOf(error), ...table })],
    ...table,
    details: { bucket: settings.bucket },
  });
  throw error;
}
