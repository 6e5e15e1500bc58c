import { createLogger, createMetrics } from "@etl/ops";
import { createOpsAdapters, queueVisibilityOnLambda } from "@etl/ops/aws";
import { createObjectStoreFromEnv } from "@etl/s3-io/aws";
import { parseConfig } from "@etl/schemas";
import { type TransformConfig, TransformConfigSchema } from "./config";
import type { TransformDeps } from "./run-transform";

/**
 * Everything the transform handler needs, built once per cold start from the environment: a bad
 * or missing variable fails here, listing every problem. With `S3_ENDPOINT` / `DYNAMODB_ENDPOINT`
 * (local services) the clients point there; without `ALERT_TOPIC_ARN` alerts go to `ALERT_FILE`.
 * On Lambda a failed message is backed off with `ChangeMessageVisibility` (`visibility`); the
 * local runtime delays retries itself.
 */
export function createTransformDeps(env: Record<string, string | undefined> = process.env) {
  const config: TransformConfig = parseConfig(TransformConfigSchema, env);
  const logger = createLogger("transform", { env });
  const { audit, alerter, state } = createOpsAdapters(config);
  const transform: TransformDeps = {
    // The local S3 server ignores If-None-Match: the adapter emulates it there, never on AWS.
    store: createObjectStoreFromEnv(config),
    ingestBucket: config.INGEST_BUCKET,
    processedBucket: config.PROCESSED_BUCKET,
    partRows: config.PART_ROWS,
    audit,
    alerter,
    ...(state ? { state } : {}),
    clock: () => new Date(),
    logger,
  };
  return {
    config,
    transform,
    logger,
    metrics: createMetrics("etl", "transform"),
    visibility: queueVisibilityOnLambda(env),
  };
}

export type TransformAppDeps = ReturnType<typeof createTransformDeps>;
