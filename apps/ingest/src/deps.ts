import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SNSClient } from "@aws-sdk/client-sns";
import { createConnectionResolver, openSourceSnapshot } from "@etl/db";
import type { Alerter } from "@etl/ops";
import { createLogger, createMetrics } from "@etl/ops";
import { createDynamoAuditLog, createDynamoStateStore, createSnsAlerter } from "@etl/ops/aws";
import { createFileAlerter } from "@etl/ops/local";
import { createS3Client, createS3ObjectStore } from "@etl/s3-io/aws";
import { parseConfig } from "@etl/schemas";
import pg from "pg";
import { type IngestConfig, IngestConfigSchema } from "./config";
import type { IngestDeps, IngestSettings } from "./run-ingest";

/** Everything the ingest handler needs, built once per cold start from the environment. */
export function createIngestDeps(env: Record<string, string | undefined> = process.env) {
  const config: IngestConfig = parseConfig(IngestConfigSchema, env);
  const region = config.AWS_REGION;
  const dynamo = new DynamoDBClient({
    region,
    ...(config.DYNAMODB_ENDPOINT
      ? {
          endpoint: config.DYNAMODB_ENDPOINT,
          credentials: { accessKeyId: "local", secretAccessKey: "local" },
        }
      : {}),
  });
  const resolveConnection = createConnectionResolver(
    config.DB_SECRET_ARN ? new SecretsManagerClient({ region }) : undefined,
  );
  const alerter: Alerter = config.ALERT_TOPIC_ARN
    ? createSnsAlerter({ client: new SNSClient({ region }), topicArn: config.ALERT_TOPIC_ARN })
    : createFileAlerter(config.ALERT_FILE ?? "alerts.jsonl");

  const ingest: IngestDeps = {
    store: createS3ObjectStore(
      createS3Client({ region, ...(config.S3_ENDPOINT ? { endpoint: config.S3_ENDPOINT } : {}) }),
      // The local server ignores If-None-Match: the store checks before writing instead.
      { localServer: config.S3_ENDPOINT !== undefined },
    ),
    state: createDynamoStateStore({ client: dynamo, table: config.STATE_TABLE }),
    audit: createDynamoAuditLog({
      client: dynamo,
      auditTable: config.AUDIT_TABLE,
      failureTable: config.FAILURE_TABLE,
    }),
    alerter,
    clock: () => new Date(),
    async openSnapshot(safetyLagSeconds) {
      const client = new pg.Client({
        ...(await resolveConnection({ secretArn: config.DB_SECRET_ARN, url: config.DATABASE_URL })),
        application_name: "etl-ingest",
      });
      await client.connect();
      // A dead connection must fail the run, not crash the process.
      client.on("error", () => undefined);
      try {
        const snapshot = await openSourceSnapshot(client, safetyLagSeconds);
        return { ...snapshot, release: () => client.end() };
      } catch (error) {
        await client.end().catch(() => undefined);
        throw error;
      }
    },
  };
  const settings: IngestSettings = {
    bucket: config.INGEST_BUCKET,
    safetyLagSeconds: config.SAFETY_LAG_SECONDS,
    partMaxBytes: config.PART_MAX_BYTES,
  };
  return {
    config,
    settings,
    ingest,
    logger: createLogger("ingest"),
    metrics: createMetrics("etl", "ingest"),
  };
}
