import type { SqsRecordSchema } from "@aws-lambda-powertools/parser/schemas";
import { type AcknowledgedFailure, publishMetricPoints, settleSqsBatch } from "@etl/ops";
import { deliveryOf } from "@etl/ops/outcome";
import type { SQSBatchResponse } from "aws-lambda";
import type { z } from "zod";
import type { FilesAppDeps } from "../deps";
import { type InvocationTime, runFileLoad } from "../run-file-load";
import { isFileWait } from "./file-reporter";
import { landedObjects } from "./landed-objects";

/**
 * SQS messages carrying S3 ObjectCreated notifications of files under `landing/` in the landing
 * bucket → one `runFileLoad` per object version. Retryable failures are reported in
 * `batchItemFailures`, so SQS redelivers only those messages, after a backoff (a busy file's
 * retry-after hint, else by receive count; `ChangeMessageVisibility` on Lambda). `runFileLoad`
 * reports every outcome by the outcome policy with the message's delivery (`deliveryOf`): a
 * retryable failure on the first and the last receive, a wait (a file another attempt holds, a
 * statement still running) only when dead-lettered. FAILED and ABORTED files were moved,
 * reported and alerted by the use case and are acknowledged.
 */
export function settleFileMessages(
  records: z.infer<typeof SqsRecordSchema>[],
  deps: FilesAppDeps,
  invocation: InvocationTime,
): Promise<SQSBatchResponse> {
  const { visibility } = deps;
  return settleSqsBatch(
    records,
    async (record) => {
      const { objects, ignored } = landedObjects(record.body, deps.files.bucket);
      for (const reason of ignored)
        deps.logger.info("notification ignored", { messageId: record.messageId, reason });
      const failed: AcknowledgedFailure[] = [];
      const delivery = deliveryOf(record, deps.config.MAX_RECEIVE_COUNT);
      for (const object of objects) {
        const outcome = await runFileLoad({ ...object, delivery }, deps.files, invocation);
        if (outcome.status === "FAILED" || outcome.status === "ABORTED")
          failed.push({
            runId: outcome.rule ?? "-",
            key: object.key,
            error: `${outcome.status}: ${outcome.error ?? "see the audit"}`,
          });
        publishMetricPoints(deps.metrics, [
          {
            dimensions: { rule: outcome.rule ?? "unmatched", status: outcome.status },
            values: { files: 1, rows: outcome.rows },
          },
        ]);
      }
      return failed;
    },
    deps.logger,
    {
      ...(visibility ? { visibility } : {}),
      failures: {
        stage: "files",
        audit: deps.files.audit,
        alerter: deps.files.alerter,
        maxReceiveCount: deps.config.MAX_RECEIVE_COUNT,
        subjectOf: (record) => {
          const [object] = landedObjects(record.body, deps.files.bucket).objects;
          return object ? { runId: "-", key: object.key } : { runId: "-" };
        },
        isWait: isFileWait,
        // runFileLoad reports its own outcomes with the delivery.
        reportsOwnFailures: true,
      },
    },
  );
}
