import { randomBytes, randomUUID } from "node:crypto";
import { PassThrough, Readable } from "node:stream";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { type MotoServer, startMoto } from "@etl/local-cloud/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createObjectStoreFromEnv } from "../../src/aws";
import { ObjectExistsError } from "../../src/errors";
import type { ObjectStore } from "../../src/object-store";

// The adapter as the apps build it (`createObjectStoreFromEnv`), against moto: an S3 endpoint
// that is not the local s3rver, so every request is the one AWS gets.
let moto: MotoServer;
let store: ObjectStore;
let raw: S3Client;

beforeAll(async () => {
  moto = await startMoto();
  store = createObjectStoreFromEnv({ AWS_REGION: moto.region, S3_ENDPOINT: moto.endpoint });
  raw = new S3Client({
    region: moto.region,
    endpoint: moto.endpoint,
    forcePathStyle: true,
    credentials: moto.credentials,
  });
});

afterAll(async () => {
  raw?.destroy();
  await moto?.stop();
});

const bucket = async () => {
  const name = `compat-${randomUUID().slice(0, 8)}`;
  await raw.send(new CreateBucketCommand({ Bucket: name }));
  return name;
};

const text = async (b: string, key: string) => Buffer.from(await store.get(b, key)).toString("utf8");

const collect = async <T>(items: AsyncIterable<T>) => {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
};

describe("the S3 adapter against an S3 that enforces conditional writes (moto)", () => {
  it("refuses a second put with ifNoneMatch and keeps the first body", async () => {
    const b = await bucket();
    await store.put(b, "raw/x.jsonl.gz", "first", { ifNoneMatch: true });

    const second = store.put(b, "raw/x.jsonl.gz", "second", { ifNoneMatch: true });

    await expect(second).rejects.toBeInstanceOf(ObjectExistsError);
    await expect(second).rejects.toThrow(`s3://${b}/raw/x.jsonl.gz`);
    expect(await text(b, "raw/x.jsonl.gz")).toBe("first");
  });

  it("uploads a multipart stream with IfNoneMatch and refuses one to an existing key", async () => {
    const b = await bucket();
    const chunks = Array.from({ length: 12 }, () => randomBytes(1024 * 1024));

    const info = await store.putStream(b, "big/file.bin", Readable.from(chunks), { ifNoneMatch: true });
    const again = store.putStream(b, "big/file.bin", Readable.from([randomBytes(6 * 1024 * 1024)]), {
      ifNoneMatch: true,
    });

    expect(info.size).toBe(12 * 1024 * 1024);
    await expect(again).rejects.toBeInstanceOf(ObjectExistsError);
    expect(Buffer.compare(Buffer.from(await store.get(b, "big/file.bin")), Buffer.concat(chunks))).toBe(0);
  });

  it("refuses a multipart upload when another writer created the key while it ran (the check is atomic)", async () => {
    const b = await bucket();
    const body = new PassThrough();
    const upload = store.putStream(b, "runs/race.json", body, { ifNoneMatch: true });
    // The first 6 MiB make the upload multipart; the other writer lands before it completes.
    body.write(randomBytes(6 * 1024 * 1024));
    await new Promise((resolve) => setTimeout(resolve, 500));
    await raw.send(new PutObjectCommand({ Bucket: b, Key: "runs/race.json", Body: "the other writer" }));
    body.end(randomBytes(1024));

    await expect(upload).rejects.toBeInstanceOf(ObjectExistsError);
    expect(await text(b, "runs/race.json")).toBe("the other writer");
  });

  it.each([
    "landing/x';drop table t;--.csv",
    "landing/with space.csv",
    "landing/a+b.csv",
    "landing/100%.csv",
    "landing/a%2Bb.csv",
    "landing/ünïcødé/日本語 ファイル.csv",
    "landing/q?x=1&y=2#frag.csv",
  ])("copies %s, then gets, lists and deletes the copy", async (key) => {
    const b = await bucket();
    const target = key.replace(/^landing\//, "archive/");
    await store.put(b, key, `body of ${key}`);

    await store.copy(b, key, target);

    expect(await text(b, target)).toBe(`body of ${key}`);
    expect((await collect(store.list(b, "archive/"))).map((o) => o.key)).toEqual([target]);
    await store.delete(b, key);
    await store.delete(b, target);
    expect(await collect(store.list(b, ""))).toEqual([]);
  });

  it("lists past 1,000 keys by following the pagination, in key order", async () => {
    const b = await bucket();
    const keys = Array.from({ length: 1_050 }, (_, i) => `star/t/part-${String(i).padStart(5, "0")}.parquet`);
    for (let i = 0; i < keys.length; i += 25)
      await Promise.all(keys.slice(i, i + 25).map((k) => store.put(b, k, "x")));

    const listed = await collect(store.list(b, "star/t/"));

    expect(listed.map((o) => o.key)).toEqual(keys);
    expect(listed.every((o) => o.size === 1)).toBe(true);
  });
});
