import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { S3EventRecord } from "@etl/local-cloud";
import type { ObjectInfo, ObjectStore } from "@etl/s3-io";
import { afterAll, describe, expect, it } from "vitest";
import type { FileQueue } from "./file-queue";
import {
  deliverByListing,
  deliverS3Events,
  type NotificationRoute,
  toEventBridgeObjectCreated,
  toListedObjectRecord,
} from "./notifications";

const dir = mkdtempSync(join(tmpdir(), "etl-notifications-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A queue that keeps what it is sent; `accept` false stands for a FIFO duplicate it drops. */
function fakeQueue(fifo = false, accept = true) {
  const sent: { body: string; options: { groupId?: string; dedupId?: string } }[] = [];
  const queue = {
    fifo,
    send: (body: string, options: { groupId?: string; dedupId?: string } = {}) => {
      sent.push({ body, options });
      return accept;
    },
  };
  return { queue: queue as unknown as FileQueue, sent };
}

/** A store whose buckets list the objects given, under the prefix asked for. */
function fakeStore(objects: Record<string, ObjectInfo[]>): ObjectStore {
  return {
    list: async function* (bucket: string, prefix: string) {
      for (const o of objects[bucket] ?? []) if (o.key.startsWith(prefix)) yield o;
    },
  } as unknown as ObjectStore;
}

const at = new Date("2026-11-23T14:15:00.123Z");

describe("deliverByListing", () => {
  it("sends each new object once, oldest key first, and remembers it across runs", async () => {
    const transform = fakeQueue();
    const load = fakeQueue(true);
    const store = fakeStore({
      ingest: [
        { key: "runs/b.json", size: 2, etag: '"e-b"', lastModified: at },
        { key: "runs/a.json", size: 1, etag: '"e-a"', lastModified: at },
        { key: "runs/notes.txt", size: 1 },
      ],
      processed: [{ key: "runs/c.json", size: 3, lastModified: at }],
    });
    const routes: NotificationRoute[] = [
      { bucket: "ingest", prefix: "runs/", suffix: ".json", queue: transform.queue, shape: "s3" },
      { bucket: "processed", prefix: "runs/", queue: load.queue, shape: "eventbridge", groupId: "wh" },
      { bucket: "", queue: transform.queue, shape: "s3" },
    ];
    const state = join(dir, "listing", "seen.tsv");

    const first = await deliverByListing(store, routes, state, "eu-west-2");
    const again = await deliverByListing(store, routes, state, "eu-west-2");

    expect(first).toBe(3);
    expect(again).toBe(0);
    expect(transform.sent.map((m) => JSON.parse(m.body).Records[0].s3.object.key)).toEqual([
      "runs/a.json",
      "runs/b.json",
    ]);
    expect(JSON.parse(transform.sent[0]?.body ?? "").Records[0].s3.object.eTag).toBe("e-a");
    expect(load.sent).toEqual([
      {
        body: expect.stringContaining('"detail-type":"Object Created"'),
        options: { groupId: "wh", dedupId: "processed/runs/c.json/00000001A208C2971B" },
      },
    ]);
    expect(readFileSync(state, "utf8")).toBe(
      'ingest\truns/a.json\t"e-a"\ningest\truns/b.json\t"e-b"\nprocessed\truns/c.json\t\n',
    );
  });

  it("does not count a message the queue dropped", async () => {
    const dropped = fakeQueue(true, false);
    const store = fakeStore({ b: [{ key: "k.json", size: 1, lastModified: at }] });

    const sent = await deliverByListing(
      store,
      [{ bucket: "b", queue: dropped.queue, shape: "s3" }],
      join(dir, "dropped.tsv"),
      "eu-west-2",
    );

    expect(sent).toBe(0);
    expect(dropped.sent[0]?.options.groupId).toBe("default");
  });
});

describe("toListedObjectRecord", () => {
  it("is the record S3 sends, the key encoded and the sequencer from the modification time", () => {
    const record = toListedObjectRecord("b", { key: "raw/a b.json", size: 5, lastModified: at }, "eu-west-2");

    expect(record).toMatchObject({
      awsRegion: "eu-west-2",
      eventTime: "2026-11-23T14:15:00.123Z",
      eventName: "ObjectCreated:Put",
      s3: { bucket: { name: "b", arn: "arn:aws:s3:::b" }, object: { key: "raw/a+b.json", size: 5 } },
    });
    expect(record.s3.object.sequencer).toBe("00000001A208C2971B");
    expect(record.s3.object).not.toHaveProperty("eTag");
  });
});

describe("toListedObjectRecord without a time", () => {
  it("is announced as of now, with its ETag unquoted", () => {
    const before = Date.now();

    const record = toListedObjectRecord("b", { key: "runs/r.json", size: 2, etag: '"abc"' }, "eu-west-2");

    expect(Date.parse(record.eventTime)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(record.eventTime)).toBeLessThanOrEqual(Date.now());
    expect(record.s3.object.eTag).toBe("abc");
  });
});

describe("toEventBridgeObjectCreated", () => {
  const record = (eventName: string): S3EventRecord => ({
    ...toListedObjectRecord("b", { key: "runs/x y.json", size: 1, lastModified: at }, "eu-west-2"),
    eventName,
  });

  it.each([
    ["ObjectCreated:Put", "PutObject"],
    ["ObjectCreated:Copy", "CopyObject"],
    ["ObjectCreated:CompleteMultipartUpload", "CompleteMultipartUpload"],
  ])("%s gives the reason %s, the key decoded and the time to the second", (eventName, reason) => {
    const event = toEventBridgeObjectCreated(record(eventName), "123");

    expect(event).toMatchObject({
      account: "123",
      time: "2026-11-23T14:15:00Z",
      detail: { object: { key: "runs/x y.json", etag: "" }, "request-id": "LOCAL", requester: "123", reason },
    });
  });
});

describe("deliverS3Events", () => {
  it("is a no-op without a spool folder", () => {
    expect(deliverS3Events(join(dir, "no-such-spool"), [])).toBe(0);
  });

  it("sends only created objects that match, and moves each event file to delivered/", () => {
    const spool = join(dir, "spool");
    mkdirSync(spool);
    const queue = fakeQueue();
    const created = toListedObjectRecord("b", { key: "runs/r.json", size: 1, lastModified: at }, "eu-west-2");
    writeFileSync(
      join(spool, "0001.json"),
      JSON.stringify({ Records: [created, { ...created, eventName: "ObjectRemoved:Delete" }] }),
    );
    writeFileSync(join(spool, ".0002.json"), "half-written");

    const sent = deliverS3Events(spool, [
      { bucket: "b", prefix: "runs/", suffix: ".json", queue: queue.queue, shape: "s3" },
      { bucket: "b", prefix: "raw/", queue: queue.queue, shape: "s3" },
    ]);

    expect(sent).toBe(1);
    expect(JSON.parse(queue.sent[0]?.body ?? "")).toEqual({ Records: [created] });
    expect(readdirSync(join(spool, "delivered"))).toEqual(["0001.json"]);
    expect(readdirSync(spool).sort()).toEqual([".0002.json", "delivered"]);
  });
});
