import { join } from "node:path";
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import {
  type CloudEndpoints,
  localCredentials,
  localS3Client,
  readCloudState,
  startLocalCloud,
} from "@etl/local-cloud";

/** Bucket and table names the local pipeline uses; each can be overridden by its variable. */
export const LOCAL_NAMES = {
  INGEST_BUCKET: "etl-ingest",
  PROCESSED_BUCKET: "etl-processed",
  LANDING_BUCKET: "etl-landing",
  STATE_TABLE: "etl-state",
  AUDIT_TABLE: "etl-audit",
  FAILURE_TABLE: "etl-failures",
} as const;

export interface LocalEnvironment {
  endpoints: CloudEndpoints;
  /** The environment the apps' handlers read, as Lambda would give it to them. */
  env: Record<string, string>;
  /** True when this process started the services (and `close` stops them). */
  started: boolean;
  close(): Promise<void>;
}

/** No local services run and the command would find nothing in fresh ones: say what to do. */
export class NotRunningError extends Error {
  override name = "NotRunningError";
  constructor(dataDir: string) {
    super(
      `no local cloud is running for ${dataDir}, so nothing has run yet: run \`etl up\`, \`etl seed\` and \`etl run\` first`,
    );
  }
}

/**
 * The services a local command works against: the ones named by DATABASE_URL, WAREHOUSE_URL,
 * S3_ENDPOINT and DYNAMODB_ENDPOINT when all are set; else the local cloud started by `etl up`;
 * else a local cloud started for this command alone and stopped by `close` (unless `start` is
 * false: commands that only read would find nothing in fresh services, and say so instead).
 */
export async function openLocalEnvironment(
  dataDir: string,
  options: { start?: boolean } = {},
): Promise<LocalEnvironment> {
  const e = process.env;
  let endpoints: CloudEndpoints;
  let stop: (() => Promise<void>) | undefined;
  // Whether S3_ENDPOINT is the local cloud's s3rver, whose quirks the S3 adapter works around:
  // always for the local cloud, and for services named by the variables only when ETL_LOCAL_S3 says so.
  let localS3 = e.ETL_LOCAL_S3;
  if (e.DATABASE_URL && e.WAREHOUSE_URL && e.S3_ENDPOINT && e.DYNAMODB_ENDPOINT) {
    endpoints = {
      databaseUrl: e.DATABASE_URL,
      warehouseUrl: e.WAREHOUSE_URL,
      s3Endpoint: e.S3_ENDPOINT,
      dynamodbEndpoint: e.DYNAMODB_ENDPOINT,
      region: e.AWS_REGION ?? "eu-west-2",
      eventsDir: join(dataDir, "s3-events"),
      dataDir,
    };
  } else {
    const running = readCloudState(dataDir);
    localS3 = "s3rver";
    if (running) endpoints = running;
    else if (options.start === false) throw new NotRunningError(dataDir);
    else {
      const cloud = await startLocalCloud({ dataDir });
      endpoints = cloud.endpoints;
      stop = () => cloud.stop();
    }
  }
  const env: Record<string, string> = {
    AWS_REGION: endpoints.region,
    AWS_ACCESS_KEY_ID: localCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: localCredentials.secretAccessKey,
    S3_ENDPOINT: endpoints.s3Endpoint,
    DYNAMODB_ENDPOINT: endpoints.dynamodbEndpoint,
    ...(localS3 ? { ETL_LOCAL_S3: localS3 } : {}),
    DATABASE_URL: endpoints.databaseUrl,
    WAREHOUSE_URL: endpoints.warehouseUrl,
    ALERT_FILE: join(dataDir, "alerts.jsonl"),
    // Locally nothing writes while a run reads, and `etl seed --changes` stamps rows with the
    // database clock: no lag is needed to see them at once. On AWS the default (60 s) applies.
    SAFETY_LAG_SECONDS: "0",
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? "WARN",
    POWERTOOLS_METRICS_DISABLED: "true",
    // The local queues dead-letter on the third failed receive, as the stacks' queues do.
    MAX_RECEIVE_COUNT: "3",
    ...LOCAL_NAMES,
  };
  for (const key of Object.keys(env)) {
    const override = process.env[key];
    if (override && key in LOCAL_NAMES) env[key] = override;
  }
  return {
    endpoints,
    env,
    started: stop !== undefined,
    close: async () => {
      await stop?.();
    },
  };
}

/** Creates the local buckets when missing (the DynamoDB tables are created by `ensureTables`). */
export async function ensureLocalBuckets(local: LocalEnvironment): Promise<void> {
  const s3 = localS3Client(local.endpoints);
  for (const bucket of [local.env.INGEST_BUCKET, local.env.PROCESSED_BUCKET, local.env.LANDING_BUCKET]) {
    try {
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (name !== "BucketAlreadyOwnedByYou" && name !== "BucketAlreadyExists") throw error;
    }
  }
  s3.destroy();
}

/** Sets the environment a handler module reads at cold start, before it is imported. */
export function applyEnvironment(local: LocalEnvironment): void {
  Object.assign(process.env, local.env);
}
