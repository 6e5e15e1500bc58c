import { ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { HeadBucketCommand } from "@aws-sdk/client-s3";
import pg from "pg";
import { describe, expect, it } from "vitest";
import {
  cloud,
  freshBucket,
  freshDatabase,
  localDynamoClient,
  localS3Client,
  localS3Env,
  localS3Server,
} from "../../src/testing";

describe("the test helpers, on the run's local cloud", () => {
  it("creates an empty database of its own, named from the prefix, on the run's PostgreSQL", async () => {
    const url = await freshDatabase();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ db: string; tables: string }>(
        "select current_database() as db, (select count(*) from pg_tables where schemaname = 'public') as tables",
      );

      expect(rows[0]?.db).toMatch(/^test_[0-9a-f]{10}$/);
      expect(rows[0]?.tables).toBe("0");
      expect(new URL(url).port).toBe(new URL(cloud().databaseUrl).port);
    } finally {
      await client.end();
    }
  });

  it("gives clients for the run's S3 and DynamoDB, and a bucket of its own", async () => {
    const bucket = await freshBucket(localS3Client(), "helpers");

    expect(bucket).toMatch(/^helpers-[0-9a-f]{8}$/);
    await expect(localS3Client().send(new HeadBucketCommand({ Bucket: bucket }))).resolves.toBeDefined();
    await expect(localDynamoClient().send(new ListTablesCommand({}))).resolves.toHaveProperty("TableNames");
  });

  // Without services named in the environment, the global setup started the local cloud's s3rver.
  it.runIf(process.env.S3_ENDPOINT === undefined)(
    "names the run's own s3rver to a handler as the local s3rver",
    () => {
      expect(localS3Server()).toBe(true);
      expect(localS3Env()).toEqual({ ETL_LOCAL_S3: "s3rver" });
    },
  );
});
