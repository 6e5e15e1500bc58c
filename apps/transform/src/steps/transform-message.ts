import { type AcknowledgedFailure, publishMetricPoints, tableMetricPoints } from "@etl/ops";
import { deliveryOf, type ReceivedRecord } from "@etl/ops/outcome";
import type { TransformAppDeps } from "../deps";
import { runTransform } from "../run-transform";
import { manifestRunIds } from "./s3-notifications";

/**
 * One SQS message of S3 notifications → one `runTransform` per run manifest it announces, each
 * given the message's delivery, so its failures are reported by the outcome policy. Resolves the
 * runs that failed for good (bad data, reported and acknowledged); a retryable failure is thrown.
 */
export async function transformMessage(
  record: ReceivedRecord & { body: string },
  app: TransformAppDeps,
): Promise<AcknowledgedFailure[]> {
  const { runIds, ignored } = manifestRunIds(record.body, app.config.INGEST_BUCKET);
  for (const reason of ignored)
    app.logger.info("notification ignored", { messageId: record.messageId, reason });
  const delivery = deliveryOf(record, app.config.MAX_RECEIVE_COUNT);
  const failed: AcknowledgedFailure[] = [];
  for (const runId of runIds) {
    const outcome = await runTransform({ runId, delivery }, app.transform);
    if (outcome.status === "failed")
      failed.push({ runId, ...(outcome.key ? { key: outcome.key } : {}), error: outcome.error });
    // Acknowledged behind a blocked run: it did not get through, and `etl run` says so.
    if (outcome.status === "blocked") failed.push({ runId, error: `blocked: ${outcome.error}` });
    if (outcome.status === "done") publishMetricPoints(app.metrics, tableMetricPoints(outcome.tables));
  }
  return failed;
}
