import { SqsSchema } from "@aws-lambda-powertools/parser/schemas";
import { settleSqsBatch } from "@etl/ops";
import { runManifestKey } from "@etl/s3-io";
import type { Context, SQSBatchResponse } from "aws-lambda";
import { createTransformDeps, type TransformAppDeps } from "./deps";
import { manifestRunIds } from "./steps/s3-notifications";
import { transformMessage } from "./steps/transform-message";

/**
 * SQS messages carrying S3 notifications of ingest run manifests → `transformMessage` each.
 * Retryable failures are reported in `batchItemFailures`, so SQS redelivers only those messages,
 * after a backoff (`ChangeMessageVisibility` on Lambda). Every failure was reported by the use
 * case under the `@etl/ops` outcome policy, given the message's receive count; bad data is
 * acknowledged.
 */
export function createHandler(app: TransformAppDeps) {
  return async (event: unknown, context?: Context): Promise<SQSBatchResponse> => {
    if (context) app.logger.addContext(context);
    const { Records } = SqsSchema.parse(event);
    return settleSqsBatch(Records, (record) => transformMessage(record, app), app.logger, {
      ...(app.visibility ? { visibility: app.visibility } : {}),
      subjectOf: (record) => {
        const [runId] = manifestRunIds(record.body, app.config.INGEST_BUCKET).runIds;
        return runId ? { runId, key: runManifestKey(runId) } : { runId: "-" };
      },
    });
  };
}

export const handler = createHandler(createTransformDeps());
