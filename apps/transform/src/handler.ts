import { SqsSchema } from "@aws-lambda-powertools/parser/schemas";
import { type AcknowledgedFailure, settleSqsBatch } from "@etl/ops";
import { runManifestKey } from "@etl/s3-io";
import type { Context, SQSBatchResponse } from "aws-lambda";
import { createTransformDeps } from "./deps";
import { PreviousRunPendingError } from "./errors";
import { runTransform } from "./run-transform";
import { manifestRunIds } from "./steps/s3-notifications";

const deps = createTransformDeps();

/**
 * SQS messages carrying S3 notifications of ingest run manifests → one `runTransform` per run.
 * Retryable failures are reported in `batchItemFailures` so SQS redelivers only those messages,
 * after a backoff (`ChangeMessageVisibility` on Lambda);
 * the batch loop alerts them on a message's first receive and when its last receive fails
 * (dead-lettered); a run waiting for its previous run is not alerted until then. Bad data was
 * audited and alerted by the use case and is acknowledged.
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
      const failed: AcknowledgedFailure[] = [];
      for (const runId of runIds) {
        const outcome = await runTransform({ runId }, deps.transform);
        if (outcome.status === "failed")
          failed.push({ runId, ...(outcome.key ? { key: outcome.key } : {}), error: outcome.error });
        for (const t of outcome.status === "done" ? outcome.tables : []) {
          deps.metrics.addDimensions({ table: t.table });
          deps.metrics.addMetric("rows", "Count", t.rows);
          deps.metrics.addMetric("bytes", "Bytes", t.bytes);
          deps.metrics.addMetric("duration", "Milliseconds", t.durationMs);
          deps.metrics.publishStoredMetrics();
        }
      }
      return failed;
    },
    deps.logger,
    {
      ...(deps.visibility ? { visibility: deps.visibility } : {}),
      failures: {
        stage: "transform",
        audit: deps.transform.audit,
        alerter: deps.transform.alerter,
        maxReceiveCount: deps.config.MAX_RECEIVE_COUNT,
        subjectOf: (record) => {
          const [runId] = manifestRunIds(record.body, deps.config.INGEST_BUCKET).runIds;
          return runId ? { runId, key: runManifestKey(runId) } : { runId: "-" };
        },
        isWait: (error) => error instanceof PreviousRunPendingError,
      },
    },
  );
}
