import { SqsSchema } from "@aws-lambda-powertools/parser/schemas";
import { settleSqsBatch } from "@etl/ops";
import type { Context, SQSBatchResponse } from "aws-lambda";
import { createFilesDeps } from "./files/files-deps";
import { landedObjects } from "./files/landed-objects";
import { runFileLoad } from "./files/run-file-load";

const deps = createFilesDeps();

/**
 * SQS messages carrying S3 ObjectCreated notifications of files under `landing/` in the landing
 * bucket → one `runFileLoad` per object version. Retryable failures are reported in
 * `batchItemFailures`, so SQS redelivers only those messages; FAILED and ABORTED files were
 * moved, audited and alerted by the use case and are acknowledged.
 */
export async function handler(event: unknown, context?: Context): Promise<SQSBatchResponse> {
  if (context) deps.logger.addContext(context);
  const invocation = { remainingMs: () => context?.getRemainingTimeInMillis() ?? 15 * 60_000 };
  const { Records } = SqsSchema.parse(event);
  return settleSqsBatch(
    Records,
    async (record) => {
      const { objects, ignored } = landedObjects(record.body, deps.files.bucket);
      for (const reason of ignored)
        deps.logger.info("notification ignored", { messageId: record.messageId, reason });
      for (const object of objects) {
        const outcome = await runFileLoad(object, deps.files, invocation);
        deps.metrics.addDimensions({ rule: outcome.rule ?? "unmatched", status: outcome.status });
        deps.metrics.addMetric("files", "Count", 1);
        deps.metrics.addMetric("rows", "Count", outcome.rows);
        deps.metrics.publishStoredMetrics();
      }
    },
    deps.logger,
  );
}
