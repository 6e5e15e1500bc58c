import { SqsSchema } from "@aws-lambda-powertools/parser/schemas";
import { settleSqsBatch } from "@etl/ops";
import { messageOf } from "@etl/schemas";
import type { Context, SQSBatchResponse } from "aws-lambda";
import { createLoadDeps, type LoadAppDeps } from "./deps";
import { type LoadOutcome, runLoad } from "./run-load";
import { DirectLoadEventSchema, manifestRunIds } from "./steps/parse-messages";

const STATUS_CODES: Record<LoadOutcome["status"], number> = {
  loaded: 200,
  skipped: 200,
  "handed-off": 202,
  failed: 422,
};

/**
 * The run loader: SQS FIFO messages announcing processed-run manifests (S3 notifications or
 * EventBridge "Object Created" events) → `runLoad` per run. A retryable failure marks its message
 * and every later one of the batch as failed, so SQS redelivers them in order; bad data was
 * audited and alerted by the use case and is acknowledged. Invoked directly with `{ runId }`, it
 * returns `{ statusCode, message }`.
 */
export function createHandler(app: LoadAppDeps) {
  return async (
    event: unknown,
    context?: Context,
  ): Promise<SQSBatchResponse | { statusCode: number; message: string }> => {
    if (context) app.logger.addContext(context);
    const time = { remainingMs: () => context?.getRemainingTimeInMillis() ?? 15 * 60_000 };
    const direct = DirectLoadEventSchema.safeParse(event);
    if (direct.success) {
      try {
        const outcome = await runLoad({ runId: direct.data.runId }, app.load, time);
        return { statusCode: STATUS_CODES[outcome.status], message: outcome.message };
      } catch (error) {
        return {
          statusCode: 503,
          message: `run ${direct.data.runId} not loaded, retry later: ${messageOf(error)}`,
        };
      }
    }
    const { Records } = SqsSchema.parse(event);
    return settleSqsBatch(
      Records,
      async (record) => {
        const { runIds, ignored } = manifestRunIds(record.body, app.config.PROCESSED_BUCKET);
        for (const reason of ignored)
          app.logger.info("message ignored", { messageId: record.messageId, reason });
        for (const runId of runIds) {
          const outcome = await runLoad({ runId }, app.load, time);
          app.metrics.addMetric("rows", "Count", outcome.rows);
          app.metrics.addMetric("duration", "Milliseconds", outcome.durationMs);
          app.metrics.publishStoredMetrics();
        }
      },
      app.logger,
      { fifo: true },
    );
  };
}

export const handler = createHandler(createLoadDeps());
