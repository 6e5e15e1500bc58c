import { randomUUID } from "node:crypto";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { openSourceSnapshot } from "@etl/db/source";
import { runIngest } from "@etl/ingest";
import { createDynamoAuditLog, createDynamoStateStore, ensureTables } from "@etl/ops/aws";
import { createMemoryAlerter } from "@etl/ops/testing";
import { createS3Client, createS3ObjectStore } from "@etl/s3-io/aws";
import { compareSourceSchema, SOURCE_TABLE_NAMES } from "@etl/schemas";
import pg from "pg";
import { caseArgs, reportCase } from "../measure";

interface Args {
  databaseUrl: string;
  s3Endpoint: string;
  dynamodbEndpoint: string;
  region: string;
  gzipLevel?: number;
}

const args = caseArgs<Args>();
const credentials = { accessKeyId: "local", secretAccessKey: "local" };
const s3 = createS3Client({ region: args.region, endpoint: args.s3Endpoint });
const bucket = `bench-ingest-${randomUUID().slice(0, 8)}`;
await s3.send(new CreateBucketCommand({ Bucket: bucket }));
const dynamo = new DynamoDBClient({ region: args.region, endpoint: args.dynamodbEndpoint, credentials });
const suffix = randomUUID().slice(0, 8);
const tables = {
  audit: `bench-audit-${suffix}`,
  failure: `bench-failure-${suffix}`,
  state: `bench-state-${suffix}`,
};
await ensureTables(dynamo, tables);

await reportCase(async () => {
  const result = await runIngest(
    {
      bucket,
      safetyLagSeconds: 0,
      partMaxBytes: 64 * 1024 * 1024,
      tables: ["sales_order"],
      ...(args.gzipLevel === undefined ? {} : { gzipLevel: args.gzipLevel }),
    },
    {
      store: createS3ObjectStore(s3, { localServer: true }),
      state: createDynamoStateStore({ client: dynamo, table: tables.state }),
      audit: createDynamoAuditLog({ client: dynamo, auditTable: tables.audit, failureTable: tables.failure }),
      alerter: createMemoryAlerter(),
      clock: () => new Date(),
      async openSnapshot(lag) {
        const client = new pg.Client({ connectionString: args.databaseUrl });
        await client.connect();
        const snapshot = await openSourceSnapshot(client, lag);
        return { ...snapshot, release: () => client.end() };
      },
    },
  );
  const bytes = result.tables.reduce((n, t) => n + t.bytes, 0);
  return {
    rows: result.rows,
    detail: {
      bytes,
      files: result.tables.reduce((n, t) => n + t.files, 0),
      drift_check_ms: await driftCheckMs(),
    },
  };
});

/**
 * The schema-drift check alone (the catalog read inside a snapshot, and the comparison with the
 * contract for every table), as each run does it: the median of 21, in milliseconds. Measured
 * after the run, so the run's own time already includes one check.
 */
async function driftCheckMs(): Promise<number> {
  const client = new pg.Client({ connectionString: args.databaseUrl });
  await client.connect();
  try {
    const times: number[] = [];
    for (let i = 0; i < 21; i++) {
      const snapshot = await openSourceSnapshot(client, 0);
      const began = performance.now();
      compareSourceSchema(await snapshot.describeColumns(), SOURCE_TABLE_NAMES);
      times.push(performance.now() - began);
      await snapshot.close();
    }
    times.sort((a, b) => a - b);
    return Math.round((times[10] ?? 0) * 100) / 100;
  } finally {
    await client.end();
  }
}
