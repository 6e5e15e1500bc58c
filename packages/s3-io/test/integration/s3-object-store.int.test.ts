import { createHash, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { cloud, freshBucket, localS3Server } from "@etl/local-cloud/testing";
import { TransientError } from "@etl/schemas";
import { describe, expect, it } from "vitest";
import { createS3Client, createS3ObjectStore } from "../../src/aws";
import { ObjectExistsError, ObjectNotFoundError } from "../../src/errors";
import { readJsonLines } from "../../src/json-lines-reader";
import { writeJsonLines } from "../../src/json-lines-writer";

const s3 = () => createS3Client({ region: cloud().region, endpoint: cloud().s3Endpoint });
const localStore = () => createS3ObjectStore(s3(), { localServer: localS3Server() });

const collect = async <T>(items: AsyncIterable<T>) => {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
};

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

describe("createS3ObjectStore on the local S3 server", () => {
  it("puts, heads and gets an object", async () => {
    const store = localStore();
    const bucket = await freshBucket(s3());

    const info = await store.put(bucket, "runs/a.json", '{"ok":true}', { contentType: "application/json" });
    const head = await store.head(bucket, "runs/a.json");
    const body = await store.get(bucket, "runs/a.json");

    expect(info).toEqual({
      key: "runs/a.json",
      size: 11,
      etag: createHash("md5").update('{"ok":true}').digest("hex"),
    });
    expect(head).toMatchObject({
      key: "runs/a.json",
      size: 11,
      etag: info.etag,
      lastModified: expect.any(Date),
    });
    expect(Buffer.from(body).toString()).toBe('{"ok":true}');
  });

  it("heads a missing key as undefined", async () => {
    const store = localStore();
    const bucket = await freshBucket(s3());

    const head = await store.head(bucket, "no/such/key.json");

    expect(head).toBeUndefined();
  });

  it("fails a get of a missing key with a non-retryable error naming bucket and key", async () => {
    const store = localStore();
    const bucket = await freshBucket(s3());

    const get = store.get(bucket, "no/such/key.json");

    await expect(get).rejects.toBeInstanceOf(ObjectNotFoundError);
    await expect(get).rejects.toThrow(`get s3://${bucket}/no/such/key.json: no such object`);
    await expect(get).rejects.toMatchObject({ retryable: false });
  });

  it("fails on a missing bucket with a non-retryable error", async () => {
    const store = localStore();

    const put = store.put("no-such-bucket-here", "k", "v");

    await expect(put).rejects.toThrow("put s3://no-such-bucket-here/k: no such bucket");
  });

  it("refuses to overwrite with ifNoneMatch (a HEAD first on the local server)", async () => {
    const store = localStore();
    const bucket = await freshBucket(s3());
    await store.put(bucket, "raw/x.jsonl.gz", "first", { ifNoneMatch: true });

    const second = store.put(bucket, "raw/x.jsonl.gz", "second", { ifNoneMatch: true });
    const streamed = store.putStream(bucket, "raw/x.jsonl.gz", Readable.from(["third"]), {
      ifNoneMatch: true,
    });

    // Both refusals awaited together: awaited one after the other, the second could reject while
    // nothing listened yet, an unhandled rejection that fails the package's run.
    await Promise.all([
      expect(second).rejects.toBeInstanceOf(ObjectExistsError),
      expect(streamed).rejects.toBeInstanceOf(ObjectExistsError),
    ]);
    expect(Buffer.from(await store.get(bucket, "raw/x.jsonl.gz")).toString()).toBe("first");
  });

  it("documents why localServer exists: the local server ignores If-None-Match and overwrites", async () => {
    const store = createS3ObjectStore(s3());
    const bucket = await freshBucket(s3());
    await store.put(bucket, "k", "first", { ifNoneMatch: true });

    await store.put(bucket, "k", "second", { ifNoneMatch: true });

    expect(Buffer.from(await store.get(bucket, "k")).toString()).toBe("second");
  });

  it("streams a body larger than 5 MB as a multipart upload with bounded parts", async () => {
    const client = s3();
    const commands: string[] = [];
    client.middlewareStack.add(
      (next, context) => (args) => {
        commands.push(context.commandName ?? "");
        return next(args);
      },
      { step: "initialize" },
    );
    const store = createS3ObjectStore(client, { localServer: localS3Server(), partSize: 5 * 1024 * 1024 });
    const bucket = await freshBucket(s3());
    const chunks = Array.from({ length: 12 }, () => randomBytes(1024 * 1024));
    const whole = Buffer.concat(chunks);

    const info = await store.putStream(bucket, "big/file.bin", Readable.from(chunks), { ifNoneMatch: true });
    const read = await store.get(bucket, "big/file.bin");

    expect(info.size).toBe(whole.length);
    expect(commands.filter((c) => c.includes("Upload") || c.includes("Multipart"))).toEqual([
      "CreateMultipartUploadCommand",
      "UploadPartCommand",
      "UploadPartCommand",
      "UploadPartCommand",
      "CompleteMultipartUploadCommand",
    ]);
    expect(sha256(read)).toBe(sha256(whole));
  });

  it("rethrows the body's own error when the streamed body fails, and leaves no object", async () => {
    const store = localStore();
    const bucket = await freshBucket(s3());
    const failure = new Error("source went away");
    const body = new Readable({
      read() {
        this.destroy(failure);
      },
    });

    const put = store.putStream(bucket, "big/broken.bin", body);

    await expect(put).rejects.toBe(failure);
    expect(await store.head(bucket, "big/broken.bin")).toBeUndefined();
  });

  it("streams an object back", async () => {
    const store = localStore();
    const bucket = await freshBucket(s3());
    const bytes = randomBytes(300_000);
    await store.put(bucket, "blob", bytes);

    const chunks: Buffer[] = [];
    for await (const chunk of await store.getStream(bucket, "blob")) chunks.push(chunk as Buffer);

    expect(sha256(Buffer.concat(chunks))).toBe(sha256(bytes));
  });

  it("lists a prefix in key order", async () => {
    const store = localStore();
    const bucket = await freshBucket(s3());
    for (const key of ["raw/b/1", "raw/a/2", "runs/1.json", "raw/a/1"]) await store.put(bucket, key, key);

    const listed = await collect(store.list(bucket, "raw/"));

    expect(listed.map((o) => [o.key, o.size])).toEqual([
      ["raw/a/1", 7],
      ["raw/a/2", 7],
      ["raw/b/1", 7],
    ]);
  });

  it("copies keys with spaces, plus signs and accents, across buckets, and deletes idempotently", async () => {
    const store = localStore();
    const bucket = await freshBucket(s3());
    const archive = await freshBucket(s3());
    const key = "landing/sales feed/Q1 (final)+v2 café.csv";
    await store.put(bucket, key, "a,b\n1,2\n");

    await store.copy(bucket, key, `archive/${key}`, archive);
    await store.delete(bucket, key);
    await store.delete(bucket, key);

    expect(Buffer.from(await store.get(archive, `archive/${key}`)).toString()).toBe("a,b\n1,2\n");
    expect(await store.head(bucket, key)).toBeUndefined();
  });

  it("reports an unreachable endpoint as a TransientError", async () => {
    const store = createS3ObjectStore(
      createS3Client({ region: "eu-west-2", endpoint: "http://127.0.0.1:9" }),
    );

    const put = store.put("bucket", "key", "v");

    await expect(put).rejects.toBeInstanceOf(TransientError);
    await expect(put).rejects.toThrow("put s3://bucket/key");
  });
});

describe("JSON Lines parts on the local S3 server", () => {
  it("splits rows into parts, describes each object exactly and reads them back", async () => {
    const store = localStore();
    const bucket = await freshBucket(s3());
    const rows = Array.from({ length: 20_000 }, (_, i) => ({
      id: i,
      last_updated: `2024-11-05 10:11:12.${String(i).padStart(6, "0")}`,
      price: `${i}.50`,
      note: i % 5 === 0 ? null : `row ${i} ü`,
    }));
    const keyForPart = (n: number) => `raw/sales_order/2024/11/05/run-${String(n).padStart(4, "0")}.jsonl.gz`;

    const parts = await writeJsonLines(rows, { store, bucket, keyForPart, maxPartBytes: 256 * 1024 });
    const listed = await collect(store.list(bucket, "raw/sales_order/"));
    const read = [];
    for (const part of parts) read.push(...(await collect(readJsonLines(store, bucket, part.key))));

    expect(parts.length).toBeGreaterThan(3);
    expect(listed.map((o) => [o.key, o.size])).toEqual(parts.map((p) => [p.key, p.bytes]));
    for (const part of parts) expect(sha256(await store.get(bucket, part.key))).toBe(part.sha256);
    expect(read.map((l) => l.value)).toEqual(rows);
  });
});
