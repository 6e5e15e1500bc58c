import { randomUUID } from "node:crypto";
import { gunzipSync } from "node:zlib";
import { oltpDdl } from "@etl/db/ddl";
import { joinSourceSnapshot, openSourceSnapshot } from "@etl/db/source";
import {
  cloud,
  freshBucket,
  freshDatabase,
  localDynamoClient,
  localS3Client,
  localS3Server,
} from "@etl/local-cloud/testing";
import { createDynamoAuditLog, createDynamoStateStore, ensureTables } from "@etl/ops/aws";
import { createMemoryAlerter } from "@etl/ops/testing";
import type { ObjectStore } from "@etl/s3-io";
import { createS3ObjectStore } from "@etl/s3-io/aws";
import { RawRunManifestSchema } from "@etl/schemas";
import pg from "pg";
import type { IngestDeps, IngestSettings } from "../../src/run-ingest";

export const APP = "etl-ingest-test";

/** A fresh totesys database, bucket and DynamoDB tables on the local services. */
export async function createHarness() {
  const url = await freshDatabase("ingest");
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  for (const statement of oltpDdl()) await admin.query(statement);
  const s3 = localS3Client();
  const bucket = await freshBucket(s3, "ingest");
  const dynamo = localDynamoClient();
  const suffix = randomUUID().slice(0, 8);
  const tables = { audit: `audit-${suffix}`, failure: `failure-${suffix}`, state: `state-${suffix}` };
  await ensureTables(dynamo, tables);
  const store = createS3ObjectStore(s3, { localServer: localS3Server() });
  const alerter = createMemoryAlerter();
  const state = createDynamoStateStore({ client: dynamo, table: tables.state });
  const audit = createDynamoAuditLog({
    client: dynamo,
    auditTable: tables.audit,
    failureTable: tables.failure,
  });

  const warnings: { message: string; details: Record<string, unknown> }[] = [];
  /** Opens snapshots as the user of `connectionString`. */
  const snapshotOpener =
    (connectionString: string): IngestDeps["openSnapshot"] =>
    async (lag, lateCommitGuard) => {
      const client = new pg.Client({ connectionString, application_name: APP });
      await client.connect();
      client.on("error", () => undefined);
      try {
        const snapshot = await openSourceSnapshot(client, lag, { lateCommitGuard });
        return { ...snapshot, release: () => client.end() };
      } catch (error) {
        await client.end();
        throw error;
      }
    };
  /** Joins an exported snapshot on a new connection as the user of `connectionString`. */
  const snapshotJoiner =
    (connectionString: string): NonNullable<IngestDeps["joinSnapshot"]> =>
    async (snapshotId, upperBound) => {
      const client = new pg.Client({ connectionString, application_name: APP });
      await client.connect();
      client.on("error", () => undefined);
      try {
        const reader = await joinSourceSnapshot(client, { snapshotId, upperBound });
        return { ...reader, release: () => client.end() };
      } catch (error) {
        await client.end();
        throw error;
      }
    };
  const deps = (overrides: Partial<IngestDeps> = {}): IngestDeps => ({
    store,
    state,
    audit,
    alerter,
    clock: () => new Date(),
    logger: { warn: (message, details) => warnings.push({ message, details }) },
    openSnapshot: snapshotOpener(url),
    ...overrides,
  });
  const settings: IngestSettings = { bucket, safetyLagSeconds: 0, partMaxBytes: 64 * 1024 * 1024 };

  return {
    url,
    admin,
    bucket,
    store,
    state,
    alerter,
    dynamo,
    tables,
    deps,
    snapshotOpener,
    snapshotJoiner,
    warnings,
    settings,
    async keys(prefix = ""): Promise<string[]> {
      const keys: string[] = [];
      for await (const o of store.list(bucket, prefix)) keys.push(o.key);
      return keys;
    },
    async manifest(key: string) {
      return RawRunManifestSchema.parse(
        JSON.parse(Buffer.from(await store.get(bucket, key)).toString("utf8")),
      );
    },
    async rows(key: string): Promise<Record<string, unknown>[]> {
      const text = gunzipSync(await store.get(bucket, key)).toString("utf8");
      return text
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l));
    },
    async close() {
      await admin.end();
    },
    region: cloud().region,
  };
}

/** Wraps a store so that a chosen call fails or runs a hook first. */
export function interceptPuts(store: ObjectStore, before: (key: string) => Promise<void>): ObjectStore {
  return {
    ...store,
    put: async (bucket, key, body, options) => {
      await before(key);
      return store.put(bucket, key, body, options);
    },
  };
}
