import { randomUUID } from "node:crypto";
import { dirname, join } from "node:path";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { createConnectionResolver } from "@etl/db/credentials";
import { createRedshiftFileLoader } from "@etl/db/file-load";
import { createFileRulesRepository } from "@etl/db/rules";
import { createLogger, createMetrics, type QueueVisibility } from "@etl/ops";
import { createOpsAdapters, queueVisibilityOnLambda } from "@etl/ops/aws";
import { createObjectStoreFromEnv } from "@etl/s3-io/aws";
import { ConfigError, parseConfig } from "@etl/schemas";
import pg from "pg";
import { type LoadConfig, LoadConfigSchema } from "../shared/config";
import { createWarehouseConnection } from "../shared/warehouse-connection";
import type { FileLoadDeps } from "./run-file-load";
import { createEventBridgeStatusEvents } from "./steps/eventbridge-status-events";
import type { FileWarehouse } from "./steps/file-warehouse";
import { createPostgresFileWarehouse } from "./steps/postgres-file-warehouse";
import { createRedshiftFileWarehouse } from "./steps/redshift-file-warehouse";
import { createFileStatusEvents, type StatusEvents } from "./steps/status-events";

export interface FilesAppDeps {
  config: LoadConfig;
  files: FileLoadDeps;
  logger: ReturnType<typeof createLogger>;
  metrics: ReturnType<typeof createMetrics>;
  /** On Lambda: backs failed messages off (`ChangeMessageVisibility`); locally none. */
  visibility?: QueueVisibility | undefined;
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
  const { audit, alerter, state } = createOpsAdapters(config);
  const events: StatusEvents = config.FILE_EVENT_BUS
    ? createEventBridgeStatusEvents(new EventBridgeClient({ region }), config.FILE_EVENT_BUS)
    : createFileStatusEvents(
        config.FILE_EVENTS_FILE ?? join(dirname(config.ALERT_FILE ?? "alerts.jsonl"), "file-events.jsonl"),
      );
  const store = createObjectStoreFromEnv(config);
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

  const connection = createWarehouseConnection(config, { applicationName: "etl-load-files", resolve });
  let warehouse: FileWarehouse;
  if (config.WAREHOUSE_TARGET === "redshift") {
    const { api, statements } = connection.redshift();
    warehouse = createRedshiftFileWarehouse({
      loader: createRedshiftFileLoader(api),
      statements,
      store,
      iamRoleArn: config.REDSHIFT_COPY_ROLE_ARN ?? "",
      correlationId: () => randomUUID().slice(0, 8),
    });
  } else {
    warehouse = createPostgresFileWarehouse({
      store,
      controlSchema: config.FILE_LEDGER_SCHEMA,
      connect: connection.connectPostgres,
    });
  }

  const files: FileLoadDeps = {
    store,
    bucket: config.LANDING_BUCKET ?? "",
    rules,
    warehouse,
    state,
    audit,
    alerter,
    events,
    clock,
    followUps: config.FILE_FOLLOW_UPS.split(",").filter((name) => name !== ""),
    ledgerSchema: config.FILE_LEDGER_SCHEMA,
    logger,
  };
  return {
    config,
    files,
    logger,
    metrics: createMetrics("etl", "load-files"),
    visibility: queueVisibilityOnLambda(env),
  };
}
