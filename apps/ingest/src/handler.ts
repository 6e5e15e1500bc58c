import { publishMetricPoints, tableMetricPoints } from "@etl/ops";
import type { Context, ScheduledEvent } from "aws-lambda";
import { createIngestDeps } from "./deps";
import { budgetedSettings } from "./run-budget";
import { runIngest } from "./run-ingest";

type IngestAppDeps = ReturnType<typeof createIngestDeps>;

/**
 * EventBridge schedule → one ingest run. Failures are thrown after they are reported (the
 * `@etl/ops` outcome policy), so the schedule's retry policy and the error alarm both see them.
 */
export function createHandler(app: IngestAppDeps) {
  return async (_event: ScheduledEvent | Record<string, unknown>, context?: Context) => {
    if (context) app.logger.addContext(context);
    const result = await runIngest(
      budgetedSettings(app.settings, app.config.RUN_ROWS_PER_SECOND, context),
      app.ingest,
    );
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

export const handler = createHandler(createIngestDeps());
