import type { SqsRecordSchema } from "@aws-lambda-powertools/parser/schemas";
import { StatementStillRunningError } from "@etl/db/errors";
import { type AcknowledgedFailure, settleSqsBatch } from "@etl/ops";
import { EtlError } from "@etl/schemas";
import type { SQSBatchResponse } from "aws-lambda";
import type { z } from "zod";
import type { FilesAppDeps } from "../deps";
import { type InvocationTime, runFileLoad } from "../run-file-load";
import { landedObjects } from "./landed-objects";

/**
 * SQS messages carrying S3 ObjectCreated notifications of files under `landing/` in the landing
 * bucket → one `runFileLoad` per object version. Retryable failures are reported in
 * `batchItemFailures`, so SQS redelivers only those messages, after a backoff (a busy file's
 * retry-after hint, else by receive count; `ChangeMessageVisibility` on Lambda); the batch loop alerts them on a
 * message's first receive and when its last receive fails (dead-lettered), except a file another
 * attempt holds or a statement still running, which only wait. FAILED and ABORTED files were
 * moved, audited and alerted (as their rule says) by the use case and are acknowledged.
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
      for (const object of objects) {
        const outcome = await runFileLoad(object, deps.files, invocation);
        if (outcome.status === "FAILED" || outcome.status === "ABORTED")
          failed.push({
            runId: outcome.rule ?? "-",
            key: object.key,
            error: `${outcome.status}: ${outcome.error ?? "see the audit"}`,
          });
        deps.metrics.addDimensions({ rule: outcome.rule ?? "unmatched", status: outcome.status });
        deps.metrics.addMetric("files", "Count", 1);
        deps.metrics.addMetric("rows", "Count", outcome.rows);
        deps.metrics.publishStoredMetrics();
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
        isWait: (error) =>
          error instanceof StatementStillRunningError ||
          (error instanceof EtlError && error.code === "FILE_BUSY"),
      },
    },
  );
}
