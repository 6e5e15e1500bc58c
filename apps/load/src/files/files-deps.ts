import { randomUUID } from "node:crypto";
import { dirname, join } from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { RedshiftDataClient } from "@aws-sdk/client-redshift-data";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SNSClient } from "@aws-sdk/client-sns";
import { createConnectionResolver, createFileRulesRepository, createRedshiftFileLoader } from "@etl/db";
import { createRedshiftDataApi } from "@etl/db/redshift";
import { type Alerter, createLogger, createMetrics } from "@etl/ops";
import { createDynamoAuditLog, createDynamoStateStore, createSnsAlerter } from "@etl/ops/aws";
import { createFileAlerter } from "@etl/ops/local";
import { createS3Client, createS3ObjectStore, LOCAL_S3_CREDENTIALS } from "@etl/s3-io/aws";
import { ConfigError, parseConfig } from "@etl/schemas";
import pg from "pg";
import { type LoadConfig, LoadConfigSchema } from "../config";
import { createEventBridgeStatusEvents } from "./eventbridge-status-events";
import {
  createPostgresFileWarehouse,
  createRedshiftFileWarehouse,
  type FileWarehouse,
} from "./file-warehouse";
import type { FileLoadDeps } from "./run-file-load";
import { createFileStatusEvents, type StatusEvents } from "./status-events";

export interface FilesAppDeps {
  config: LoadConfig;
  files: FileLoadDeps;
  logger: ReturnType<typeof createLogger>;
  metrics: ReturnType<typeof createMetrics>;
}

/**
 * Everything the landed-file handler needs, built once per cold start from the environment (a
 * bad or missing variable fails here). The rules live in PostgreSQL: `RULES_DATABASE_URL` or
 * `RULES_SECRET_ARN`, else the PostgreSQL warehouse's own connection. Nothing is contacted until
 * the first event.
 */
export function createFilesDeps(env: Record<string, string | undefined> = process.env): FilesAppDeps {
  const config = parseConfig(LoadConfigSchema, env);
  const problems: string[] = [];
  if (!config.LANDING_BUCKET) problems.push("LANDING_BUCKET: required by the landed-file loader");
  const rulesSource = config.RULES_DATABASE_URL
    ? { url: config.RULES_DATABASE_URL }
    : config.RULES_SECRET_ARN
      ? { secretArn: config.RULES_SECRET_ARN }
      : config.WAREHOUSE_TARGET === "postgres"
        ? { url: config.WAREHOUSE_URL, secretArn: config.WAREHOUSE_SECRET_ARN }
        : undefined;
  if (!rulesSource)
    problems.push("RULES_DATABASE_URL or RULES_SECRET_ARN: required with the redshift target");
  if (config.WAREHOUSE_TARGET === "redshift" && !config.REDSHIFT_COPY_ROLE_ARN)
    problems.push("REDSHIFT_COPY_ROLE_ARN: required");
  if (problems.length > 0) throw new ConfigError("invalid configuration", problems);

  const region = config.AWS_REGION;
  const logger = createLogger("load-files", { env });
  const clock = () => new Date();
  const dynamo = new DynamoDBClient({
    region,
    ...(config.DYNAMODB_ENDPOINT
      ? { endpoint: config.DYNAMODB_ENDPOINT, credentials: { ...LOCAL_S3_CREDENTIALS } }
      : {}),
  });
  const alerter: Alerter = config.ALERT_TOPIC_ARN
    ? createSnsAlerter({ client: new SNSClient({ region }), topicArn: config.ALERT_TOPIC_ARN })
    : createFileAlerter(config.ALERT_FILE ?? "alerts.jsonl");
  const events: StatusEvents = config.FILE_EVENT_BUS
    ? createEventBridgeStatusEvents(new EventBridgeClient({ region }), config.FILE_EVENT_BUS)
    : createFileStatusEvents(
        config.FILE_EVENTS_FILE ?? join(dirname(config.ALERT_FILE ?? "alerts.jsonl"), "file-events.jsonl"),
      );
  const s3 = createS3Client({ region, ...(config.S3_ENDPOINT ? { endpoint: config.S3_ENDPOINT } : {}) });
  const store = createS3ObjectStore(s3, { localServer: config.S3_ENDPOINT !== undefined });
  const needsSecrets = [config.RULES_SECRET_ARN, config.WAREHOUSE_SECRET_ARN].some((a) => a !== undefined);
  const resolve = createConnectionResolver(needsSecrets ? new SecretsManagerClient({ region }) : undefined);

  // One small pool for the rules, opened on first use (its settings may come from a secret).
  let pool: Promise<pg.Pool> | undefined;
  const rulesPool = () => {
    pool ??= resolve(rulesSource ?? {}).then((connection) => {
      const created = new pg.Pool({ ...connection, max: 2, application_name: "etl-load-rules" });
      // An idle connection the server closes (restart, failover) must not crash the process:
      // the pool drops it and the next query opens a new one.
      created.on("error", () => undefined);
      return created;
    });
    pool.catch(() => {
      pool = undefined;
    });
    return pool;
  };
  const rules = {
    async match(key: string) {
      return createFileRulesRepository(await rulesPool(), { schema: config.FILE_RULES_SCHEMA }).match(key);
    },
  };

  let warehouse: FileWarehouse;
  if (config.WAREHOUSE_TARGET === "redshift") {
    const api = createRedshiftDataApi(new RedshiftDataClient({ region }), {
      database: config.REDSHIFT_DATABASE ?? "dev",
      ...(config.REDSHIFT_WORKGROUP ? { workgroupName: config.REDSHIFT_WORKGROUP } : {}),
      ...(config.REDSHIFT_CLUSTER_ID ? { clusterIdentifier: config.REDSHIFT_CLUSTER_ID } : {}),
      ...(config.REDSHIFT_SECRET_ARN ? { secretArn: config.REDSHIFT_SECRET_ARN } : {}),
    });
    warehouse = createRedshiftFileWarehouse({
      loader: createRedshiftFileLoader(api),
      store,
      iamRoleArn: config.REDSHIFT_COPY_ROLE_ARN ?? "",
      correlationId: () => randomUUID().slice(0, 8),
    });
  } else {
    warehouse = createPostgresFileWarehouse({
      store,
      controlSchema: config.FILE_LEDGER_SCHEMA,
      async connect() {
        const connection = await resolve({
          secretArn: config.WAREHOUSE_SECRET_ARN,
          url: config.WAREHOUSE_URL,
        });
        const client = new pg.Client({ ...connection, application_name: "etl-load-files" });
        await client.connect();
        return client;
      },
    });
  }

  const files: FileLoadDeps = {
    store,
    bucket: config.LANDING_BUCKET ?? "",
    rules,
    warehouse,
    state: createDynamoStateStore({ client: dynamo, table: config.STATE_TABLE }),
    audit: createDynamoAuditLog({
      client: dynamo,
      auditTable: config.AUDIT_TABLE,
      failureTable: config.FAILURE_TABLE,
    }),
    alerter,
    events,
    clock,
    followUps: config.FILE_FOLLOW_UPS.split(",").filter((name) => name !== ""),
    ledgerSchema: config.FILE_LEDGER_SCHEMA,
    logger,
  };
  return { config, files, logger, metrics: createMetrics("etl", "load-files") };
}
