import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  PutItemCommand,
  waitUntilTableExists,
} from "@aws-sdk/client-dynamodb";
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  paginateListObjectsV2,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { cloud, freshBucket, localDynamoClient, localS3Client } from "../../src/testing";

describe("local S3-compatible server", () => {
  it("lists a bucket of more than 1,000 objects completely through pagination", async () => {
    const s3 = localS3Client();
    const bucket = await freshBucket(s3);
    const keys = Array.from({ length: 1005 }, (_, i) => `raw/table/${String(i).padStart(5, "0")}.json`);
    for (let i = 0; i < keys.length; i += 50) {
      await Promise.all(
        keys
          .slice(i, i + 50)
          .map((Key) => s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: "{}" }))),
      );
    }

    const firstPage = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    const listed: string[] = [];
    for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket })) {
      for (const object of page.Contents ?? []) listed.push(object.Key ?? "");
    }

    expect(firstPage.KeyCount).toBe(1000);
    expect(firstPage.IsTruncated).toBe(true);
    expect(listed).toEqual(keys);
  });

  it("spools real-shaped event records for puts and multipart uploads", async () => {
    const endpoints = cloud();
    const s3 = localS3Client();
    const bucket = await freshBucket(s3, "events");
    const before = new Set(readdirSync(endpoints.eventsDir));

    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "landing/sales feed/a+b.csv", Body: "x" }));
    const upload = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "big/file.bin" }));
    const part = await s3.send(
      new UploadPartCommand({
        Bucket: bucket,
        Key: "big/file.bin",
        UploadId: upload.UploadId,
        PartNumber: 1,
        Body: "abc",
      }),
    );
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: "big/file.bin",
        UploadId: upload.UploadId,
        MultipartUpload: { Parts: [{ ETag: part.ETag, PartNumber: 1 }] },
      }),
    );
    const records = readdirSync(endpoints.eventsDir)
      .filter((f) => !before.has(f) && !f.startsWith("."))
      .sort()
      .flatMap((f) => JSON.parse(readFileSync(join(endpoints.eventsDir, f), "utf8")).Records)
      .filter((r: { s3: { bucket: { name: string } } }) => r.s3.bucket.name === bucket);

    expect(records.map((r: { eventName: string }) => r.eventName)).toEqual([
      "ObjectCreated:Put",
      "ObjectCreated:CompleteMultipartUpload",
    ]);
    expect(records[0].s3.object.key).toBe("landing/sales+feed/a%2Bb.csv");
    expect(records[0].s3.bucket.arn).toBe(`arn:aws:s3:::${bucket}`);
    expect(records[0].awsRegion).toBe(endpoints.region);
    expect(records[0].s3.object.size).toBe(1);
  });
});

describe("local DynamoDB-compatible server", () => {
  it("refuses a conditional write the second time", async () => {
    const dynamo = localDynamoClient();
    const TableName = `cond-${Date.now()}`;
    await dynamo.send(
      new CreateTableCommand({
        TableName,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
        KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
      }),
    );
    // The local server, like DynamoDB, creates a table asynchronously: a write before it is
    // ACTIVE fails with ResourceNotFoundException.
    await waitUntilTableExists({ client: dynamo, maxWaitTime: 30 }, { TableName });
    const put = () =>
      dynamo.send(
        new PutItemCommand({
          TableName,
          Item: { pk: { S: "watermark#address" } },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );

    await put();

    await expect(put()).rejects.toBeInstanceOf(ConditionalCheckFailedException);
  });
});

describe("local PostgreSQL", () => {
  it("rolls a transaction back", async () => {
    const client = new pg.Client({ connectionString: cloud().databaseUrl });
    await client.connect();
    await client.query("create table if not exists rollback_probe (id int primary key)");
    await client.query("truncate rollback_probe");

    await client.query("begin");
    await client.query("insert into rollback_probe values (1), (2)");
    const inside = await client.query("select count(*)::int as n from rollback_probe");
    await client.query("rollback");
    const after = await client.query("select count(*)::int as n from rollback_probe");
    await client.end();

    expect(inside.rows[0].n).toBe(2);
    expect(after.rows[0].n).toBe(0);
  });

  it("has the totesys and warehouse databases", async () => {
    const client = new pg.Client({ connectionString: cloud().warehouseUrl });
    await client.connect();
    const { rows } = await client.query(
      "select datname from pg_database where datname in ('totesys', 'warehouse') order by 1",
    );
    await client.end();

    expect(rows.map((r) => r.datname)).toEqual(["totesys", "warehouse"]);
  });
});
