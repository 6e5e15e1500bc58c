import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SNSClient } from "@aws-sdk/client-sns";
import { type Alerter, createLogger, createMetrics } from "@etl/ops";
import { createDynamoAuditLog, createSnsAlerter } from "@etl/ops/aws";
import { createFileAlerter } from "@etl/ops/local";
import { createS3Client, createS3ObjectStore, LOCAL_S3_CREDENTIALS } from "@etl/s3-io/aws";
import { parseConfig } from "@etl/schemas";
import { type TransformConfig, TransformConfigSchema } from "./config";
import type { TransformDeps } from "./run-transform";

/**
 * Everything the transform handler needs, built once per cold start from the environment: a bad
 * or missing variable fails here, listing every problem. With `S3_ENDPOINT` / `DYNAMODB_ENDPOINT`
 * (local services) the clients point there; without `ALERT_TOPIC_ARN` alerts go to `ALERT_FILE`.
 */
export function createTransformDeps(env: Record<string, string | undefined> = process.env) {
  const config: TransformConfig = parseConfig(TransformConfigSchema, env);
  const region = config.AWS_REGION;
  const logger = createLogger("transform", { env });
  const dynamo = new DynamoDBClient({
    region,
    ...(config.DYNAMODB_ENDPOINT
      ? { endpoint: config.DYNAMODB_ENDPOINT, credentials: { ...LOCAL_S3_CREDENTIALS } }
      : {}),
  });
  const alerter: Alerter = config.ALERT_TOPIC_ARN
    ? createSnsAlerter({ client: new SNSClient({ region }), topicArn: config.ALERT_TOPIC_ARN })
    : createFileAlerter(config.ALERT_FILE ?? "alerts.jsonl");
  const s3 = createS3Client({ region, ...(config.S3_ENDPOINT ? { endpoint: config.S3_ENDPOINT } : {}) });
  const transform: TransformDeps = {
    // The local S3 server ignores If-None-Match: the adapter emulates it there, never on AWS.
    store: createS3ObjectStore(s3, { localServer: config.S3_ENDPOINT !== undefined }),
    ingestBucket: config.INGEST_BUCKET,
    processedBucket: config.PROCESSED_BUCKET,
    partRows: config.PART_ROWS,
    audit: createDynamoAuditLog({
      client: dynamo,
      auditTable: config.AUDIT_TABLE,
      failureTable: config.FAILURE_TABLE,
    }),
    alerter,
    clock: () => new Date(),
    logger,
  };
  return { config, transform, logger, metrics: createMetrics("etl", "transform") };
}

export type TransformAppDeps = ReturnType<typeof createTransformDeps>;
