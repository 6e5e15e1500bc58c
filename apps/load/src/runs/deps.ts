import { randomUUID } from "node:crypto";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { createConnectionResolver } from "@etl/db/credentials";
import { createLogger, createMetrics, type QueueVisibility } from "@etl/ops";
import { createOpsAdapters, queueVisibilityOnLambda } from "@etl/ops/aws";
import { createObjectStoreFromEnv } from "@etl/s3-io/aws";
import { ConfigError, parseConfig } from "@etl/schemas";
import { type LoadConfig, LoadConfigSchema } from "../shared/config";
import { createWarehouseConnection } from "../shared/warehouse-connection";
import type { CompletionDeps } from "./complete-statement";
import type { LoadDeps } from "./run-load";
import { createPostgresWarehouse } from "./steps/postgres-warehouse";
import { createRedshiftWarehouse } from "./steps/redshift-warehouse";
import type { RunWarehouse, StatementTracker } from "./steps/warehouse";

export interface LoadAppDeps {
  config: LoadConfig;
  load: LoadDeps;
  /** Redshift only: what the completion handler needs. */
  completion: CompletionDeps | undefined;
  logger: ReturnType<typeof createLogger>;
  metrics: ReturnType<typeof createMetrics>;
  /** On Lambda: backs failed messages off (`ChangeMessageVisibility`); locally none. */
  visibility?: QueueVisibility | undefined;
}

/**
 * Everything the load handlers need, built once per cold start from the environment: a bad or
 * missing variable fails here, listing every problem. With `S3_ENDPOINT` / `DYNAMODB_ENDPOINT`
 * the clients point at local services; without `ALERT_TOPIC_ARN` alerts go to `ALERT_FILE`. On
 * Lambda failed messages are backed off with `ChangeMessageVisibility`; the local runtime delays
 * retries itself. Nothing is contacted until the first event.
 */
export function createLoadDeps(env: Record<string, string | undefined> = process.env): LoadAppDeps {
  const config = parseConfig(LoadConfigSchema, env);
  const region = config.AWS_REGION;
  const logger = createLogger("load", { env });
  const clock = () => new Date();
  const { audit, alerter, state } = createOpsAdapters(config);
  const store = createObjectStoreFromEnv(config);

  const resolve = createConnectionResolver(
    config.WAREHOUSE_SECRET_ARN ? new SecretsManagerClient({ region }) : undefined,
  );
  const connection = createWarehouseConnection(config, { applicationName: "etl-load", resolve });
  let warehouse: RunWarehouse;
  let statements: StatementTracker | undefined;
  if (config.WAREHOUSE_TARGET === "redshift") {
    const iamRoleArn = config.REDSHIFT_COPY_ROLE_ARN;
    if (!iamRoleArn) throw new ConfigError("invalid configuration", ["REDSHIFT_COPY_ROLE_ARN: required"]);
    const redshift = createRedshiftWarehouse({
      ...connection.redshift(),
      state,
      store,
      schema: config.WAREHOUSE_SCHEMA,
      iamRoleArn,
      target: "redshift",
      clock,
      pollBudgetMs: config.POLL_BUDGET_SECONDS * 1000,
      marginMs: config.HANDOFF_MARGIN_SECONDS * 1000,
      correlationId: () => randomUUID().slice(0, 8),
    });
    warehouse = redshift;
    statements = redshift;
  } else {
    warehouse = createPostgresWarehouse({
      schema: config.WAREHOUSE_SCHEMA,
      target: "postgres",
      clock,
      connect: connection.connectPostgres,
      stagingConnections: config.STAGING_CONNECTIONS,
    });
  }

  const load: LoadDeps = {
    store,
    bucket: config.PROCESSED_BUCKET,
    warehouse,
    ...(statements ? { statements } : {}),
    audit,
    alerter,
    state,
    clock,
    logger,
  };
  const completion: CompletionDeps | undefined = statements
    ? { ...load, statements, stuckAfterMs: config.STUCK_STATEMENT_MINUTES * 60_000 }
    : undefined;
  return {
    config,
    load,
    completion,
    logger,
    metrics: createMetrics("etl", "load"),
    visibility: queueVisibilityOnLambda(env),
  };
}
