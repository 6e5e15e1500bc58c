import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ListTablesCommand } from "@aws-sdk/client-dynamodb";
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localDynamoClient, localS3Client, type RunningCloud, startLocalCloud } from "../../src/services";

// Its own cloud: before the guard one such request killed the whole local cloud.
let cloud: RunningCloud;
let dataDir: string;
beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "etl-longkey-"));
  cloud = await startLocalCloud({ dataDir });
});
afterAll(async () => {
  await cloud?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function s3Error(promise: Promise<unknown>): Promise<S3ServiceException> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof S3ServiceException) return error;
    throw error;
  }
  throw new Error("the request succeeded");
}

describe("S3 keys the local server cannot store", () => {
  it("refuses a key whose last segment is over 255 bytes with a clear error, and every service keeps serving", async () => {
    const s3 = localS3Client(cloud.endpoints);
    const Bucket = "long-keys";
    await s3.send(new CreateBucketCommand({ Bucket }));
    const Key = `landing/${"a".repeat(300)}.csv`;

    const refused = await s3Error(s3.send(new PutObjectCommand({ Bucket, Key, Body: "x" })));

    expect(refused.name).toBe("KeyTooLongError");
    expect(refused.$metadata.httpStatusCode).toBe(400);
    expect(refused.message).toMatch(/local S3 server.*255 bytes/);
    await s3.send(new PutObjectCommand({ Bucket, Key: "landing/short.csv", Body: "x" }));
    const pgClient = new pg.Client({ connectionString: cloud.endpoints.warehouseUrl });
    await pgClient.connect();
    const { rows } = await pgClient.query("select 1 as one");
    await pgClient.end();
    expect(rows).toEqual([{ one: 1 }]);
    const tables = await localDynamoClient(cloud.endpoints).send(new ListTablesCommand({}));
    expect(tables.TableNames).toBeDefined();
  });

  it("refuses a last segment that fits a file name but not with the server's own suffix", async () => {
    const s3 = localS3Client(cloud.endpoints);
    const Bucket = "long-keys-2";
    await s3.send(new CreateBucketCommand({ Bucket }));

    const refused = await s3Error(s3.send(new PutObjectCommand({ Bucket, Key: "b".repeat(250), Body: "x" })));
    const fits = await s3.send(new PutObjectCommand({ Bucket, Key: "c".repeat(233), Body: "x" }));

    expect(refused.name).toBe("KeyTooLongError");
    expect(fits.ETag).toBeDefined();
  });

  it("refuses a long middle segment, and answers reads of such a key with NoSuchKey", async () => {
    const s3 = localS3Client(cloud.endpoints);
    const Bucket = "long-keys-3";
    await s3.send(new CreateBucketCommand({ Bucket }));
    const Key = `${"é".repeat(200)}/file.json`;

    const refused = await s3Error(s3.send(new PutObjectCommand({ Bucket, Key, Body: "x" })));
    const missing = await s3Error(s3.send(new GetObjectCommand({ Bucket, Key })));
    const head = await s3Error(s3.send(new HeadObjectCommand({ Bucket, Key })));

    expect(refused.name).toBe("KeyTooLongError");
    expect(missing.name).toBe("NoSuchKey");
    expect(head.$metadata.httpStatusCode).toBe(404);
  });
});
