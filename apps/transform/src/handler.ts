import { SqsSchema } from "@aws-lambda-powertools/parser/schemas";
import { settleSqsBatch } from "@etl/ops";
import type { Context, SQSBatchResponse } from "aws-lambda";
import { createTransformDeps } from "./deps";
import { runTransform } from "./run-transform";
import { manifestRunIds } from "./steps/s3-notifications";

const deps = createTransformDeps();

/**
 * SQS messages carrying S3 notifications of ingest run manifests → one `runTransform` per run.
 * Retryable failures are reported in `batchItemFailures` so SQS redelivers only those messages;
 * bad data was audited and alerted by the use case and is acknowledged.
 */
export async function handler(event: unknown, context?: Context): Promise<SQSBatchResponse> {
  if (context) deps.logger.addContext(context);
  const { Records } = SqsSchema.parse(event);
  return settleSqsBatch(
    Records,
    async (record) => {
      const { runIds, ignored } = manifestRunIds(record.body, deps.config.INGEST_BUCKET);
      for (const reason of ignored)
        deps.logger.info("notification ignored", { messageId: record.messageId, reason });
      for (const runId of runIds) {
        const outcome = await runTransform({ runId }, deps.transform);
        for (const t of outcome.status === "done" ? outcome.tables : []) {
          deps.metrics.addDimensions({ table: t.table });
          deps.metrics.addMetric("rows", "Count", t.rows);
          deps.metrics.addMetric("bytes", "Bytes", t.bytes);
          deps.metrics.addMetric("duration", "Milliseconds", t.durationMs);
          deps.metrics.publishStoredMetrics();
        }
      }
    },
    deps.logger,
  );
}
