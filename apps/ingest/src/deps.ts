import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { createConnectionResolver } from "@etl/db/credentials";
import { createKeyRangeReader, joinSourceSnapshot, openSourceSnapshot } from "@etl/db/source";
import { createLogger, createMetrics } from "@etl/ops";
import { createOpsAdapters } from "@etl/ops/aws";
import { createObjectStoreFromEnv } from "@etl/s3-io/aws";
import { parseConfig } from "@etl/schemas";
import pg from "pg";
import { type IngestConfig, IngestConfigSchema } from "./config";
import type { IngestDeps, IngestSettings } from "./run-ingest";

/** Everything the ingest handler needs, built once per cold start from the environment. */
export function createIngestDeps(env: Record<string, string | undefined> = process.env) {
  const config: IngestConfig = parseConfig(IngestConfigSchema, env);
  const region = config.AWS_REGION;
  const { audit, alerter, state } = createOpsAdapters(config);
  const logger = createLogger("ingest");
  const resolveConnection = createConnectionResolver(
    config.DB_SECRET_ARN ? new SecretsManagerClient({ region }) : undefined,
  );

  const connect = async (): Promise<pg.Client> => {
    const client = new pg.Client({
      ...(await resolveConnection({ secretArn: config.DB_SECRET_ARN, url: config.DATABASE_URL })),
      application_name: "etl-ingest",
    });
    await client.connect();
    // A dead connection must fail the run, not crash the process.
    client.on("error", () => undefined);
    return client;
  };
  const ingest: IngestDeps = {
    // The local server ignores If-None-Match: the store checks before writing instead.
    store: createObjectStoreFromEnv(config),
    state,
    audit,
    alerter,
    clock: () => new Date(),
    logger,
    async openSnapshot(safetyLagSeconds, lateCommitGuard) {
      const client = await connect();
      try {
        const snapshot = await openSourceSnapshot(client, safetyLagSeconds, { lateCommitGuard });
        return { ...snapshot, ...createKeyRangeReader(client), release: () => client.end() };
      } catch (error) {
        await client.end().catch(() => undefined);
        throw error;
      }
    },
    async joinSnapshot(snapshotId, upperBound) {
      const client = await connect();
      try {
        const reader = await joinSourceSnapshot(client, { snapshotId, upperBound });
        return { ...reader, release: () => client.end() };
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
    lateCommitGuard: config.LATE_COMMIT_GUARD,
    readConnections: config.READ_CONNECTIONS,
    ...(config.RUN_BUDGET_SECONDS === undefined
      ? {}
      : { budget: { seconds: config.RUN_BUDGET_SECONDS, rowsPerSecond: config.RUN_ROWS_PER_SECOND } }),
  };
  return {
    config,
    settings,
    ingest,
    logger,
    metrics: createMetrics("etl", "ingest"),
  };
}
