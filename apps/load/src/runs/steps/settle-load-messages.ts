import type { SqsRecordSchema } from "@aws-lambda-powertools/parser/schemas";
import { type AcknowledgedFailure, publishMetricPoints, settleSqsBatch } from "@etl/ops";
import { deliveryOf } from "@etl/ops/outcome";
import { runManifestKey } from "@etl/s3-io";
import { messageOf } from "@etl/schemas";
import type { SQSBatchResponse } from "aws-lambda";
import type { z } from "zod";
import type { LoadAppDeps } from "../deps";
import { type InvocationTime, isWait, type LoadOutcome, runLoad } from "../run-load";
import { manifestRunIds } from "./parse-messages";

const STATUS_CODES: Record<LoadOutcome["status"], number> = {
  loaded: 200,
  skipped: 200,
  "handed-off": 202,
  failed: 422,
  // Acknowledged behind a run that failed for good: nothing to retry until that one is dealt with.
  blocked: 409,
};

/** A direct invocation `{ runId }`: the outcome as `{ statusCode, message }` (503: retry later). */
export async function loadDirect(
  runId: string,
  app: LoadAppDeps,
  time: InvocationTime,
): Promise<{ statusCode: number; message: string }> {
  try {
    const outcome = await runLoad({ runId }, app.load, time);
    return { statusCode: STATUS_CODES[outcome.status], message: outcome.message };
  } catch (error) {
    return { statusCode: 503, message: `run ${runId} not loaded, retry later: ${messageOf(error)}` };
  }
}

/**
 * `runLoad` per announced run of each message. A retryable failure marks its message and every
 * later one of the batch as failed, so SQS redelivers them in order after a backoff
 * (`ChangeMessageVisibility` on Lambda, each of them with the same timeout). `runLoad` reports
 * every outcome by the outcome policy with the message's delivery (`deliveryOf`); the batch loop
 * only reports the later records it left unprocessed. Bad data is acknowledged.
 */
export function settleLoadMessages(
  records: z.infer<typeof SqsRecordSchema>[],
  app: LoadAppDeps,
  time: InvocationTime,
): Promise<SQSBatchResponse> {
  return settleSqsBatch(
    records,
    async (record) => {
      const { runIds, ignored } = manifestRunIds(record.body, app.config.PROCESSED_BUCKET);
      for (const reason of ignored)
        app.logger.info("message ignored", { messageId: record.messageId, reason });
      const failed: AcknowledgedFailure[] = [];
      const delivery = deliveryOf(record, app.config.MAX_RECEIVE_COUNT);
      for (const runId of runIds) {
        const outcome = await runLoad({ runId, delivery }, app.load, time);
        // A run acknowledged behind a blocked one did not get through either: `etl run` says so.
        if (outcome.status === "failed" || outcome.status === "blocked")
          failed.push({
            runId,
            error:
              outcome.status === "blocked" ? `blocked: ${outcome.error}` : (outcome.error ?? outcome.message),
          });
        publishMetricPoints(app.metrics, [{ values: { rows: outcome.rows, duration: outcome.durationMs } }]);
      }
      return failed;
    },
    app.logger,
    {
      fifo: true,
      ...(app.visibility ? { visibility: app.visibility } : {}),
      failures: {
        stage: "load",
        audit: app.load.audit,
        alerter: app.load.alerter,
        maxReceiveCount: app.config.MAX_RECEIVE_COUNT,
        subjectOf: (record) => {
          const [runId] = manifestRunIds(record.body, app.config.PROCESSED_BUCKET).runIds;
          return runId ? { runId, key: runManifestKey(runId) } : { runId: "-" };
        },
        isWait,
        // runLoad reports its own outcomes with the delivery; the loop only reports the records
        // it leaves unprocessed behind a failed one.
        reportsOwnFailures: true,
      },
    },
  );
}
