import { publishMetricPoints, tableMetricPoints } from "@etl/ops";
import type { Context, ScheduledEvent } from "aws-lambda";
import { createIngestDeps } from "./deps";
import { runIngest } from "./run-ingest";

type IngestAppDeps = ReturnType<typeof createIngestDeps>;

/**
 * EventBridge schedule → one ingest run. Failures are thrown after they are reported (the
 * `@etl/ops` outcome policy), so the schedule's retry policy and the error alarm both see them.
 */
export function createHandler(app: IngestAppDeps) {
  return async (_event: ScheduledEvent | Record<string, unknown>, context?: Context) => {
    if (context) app.logger.addContext(context);
    const result = await runIngest(budgetedSettings(app, context), app.ingest);
    const summary = {
      runId: result.runId,
      rows: result.rows,
      manifestKey: result.manifestKey ?? null,
      firstLoadsPending: result.firstLoadsPending ?? [],
    };
    app.logger.info("ingest run finished", summary);
    publishMetricPoints(app.metrics, tableMetricPoints(result.tables));
    return summary;
  };
}

/**
 * The run's settings with its time budget: `RUN_BUDGET_SECONDS` when set; on Lambda otherwise
 * half of what is left of the invocation less a minute (each stage's function has its own 15
 * minutes, and the rate the budget is turned into rows at is measured, not guaranteed).
 */
export function budgetedSettings(app: Pick<IngestAppDeps, "settings" | "config">, context?: Context) {
  if (app.settings.budget || !context) return app.settings;
  const seconds = Math.max(1, (context.getRemainingTimeInMillis() / 1000 - 60) / 2);
  return { ...app.settings, budget: { seconds, rowsPerSecond: app.config.RUN_ROWS_PER_SECOND } };
}

export const handler = createHandler(createIngestDeps());
