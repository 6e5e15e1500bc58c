import type { Context, ScheduledEvent } from "aws-lambda";
import { createIngestDeps } from "./deps";
import { runIngest } from "./run-ingest";

const deps = createIngestDeps();

/**
 * EventBridge schedule → one ingest run. Failures are thrown after they are audited and
 * alerted, so the schedule's retry policy and the error alarm both see them.
 */
export async function handler(_event: ScheduledEvent | Record<string, unknown>, context?: Context) {
  deps.logger.addContext(context ?? ({} as Context));
  const result = await runIngest(deps.settings, deps.ingest);
  deps.logger.info("ingest run finished", {
    runId: result.runId,
    rows: result.rows,
    manifestKey: result.manifestKey ?? null,
  });
  for (const t of result.tables) {
    deps.metrics.addDimensions({ table: t.table });
    deps.metrics.addMetric("rows", "Count", t.rows);
    deps.metrics.addMetric("bytes", "Bytes", t.bytes);
    deps.metrics.addMetric("duration", "Milliseconds", t.durationMs);
    deps.metrics.publishStoredMetrics();
  }
  return { runId: result.runId, rows: result.rows, manifestKey: result.manifestKey ?? null };
}
