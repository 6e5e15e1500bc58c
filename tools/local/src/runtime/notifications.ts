import { randomUUID } from "node:crypto";
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync } from "node:fs";
import { dirname, join } from "node:path";
import { decodeS3EventKey, encodeS3EventKey, type S3Event, type S3EventRecord } from "@etl/local-cloud";
import type { ObjectInfo, ObjectStore } from "@etl/s3-io";
import type { FileQueue } from "./file-queue";

/**
 * Routes the local S3 server's (already real-shaped) event records to queues, as the buckets'
 * notification configuration does on AWS: by bucket, key prefix and suffix. A route either
 * delivers the S3 notification itself (S3 -> SQS) or the EventBridge "Object Created" event
 * (S3 -> EventBridge -> SQS FIFO, the only way to reach a FIFO queue from S3).
 */
export interface NotificationRoute {
  bucket: string;
  prefix?: string;
  suffix?: string;
  queue: FileQueue;
  shape: "s3" | "eventbridge";
  /** Message group for a FIFO target (one per warehouse). */
  groupId?: string;
}

/** The EventBridge event S3 emits for an object creation; its key is not URL-encoded. */
export function toEventBridgeObjectCreated(record: S3EventRecord, account = "000000000000") {
  const reason = record.eventName.replace("ObjectCreated:", "");
  return {
    version: "0",
    id: randomUUID(),
    "detail-type": "Object Created",
    source: "aws.s3",
    account,
    time: record.eventTime.replace(/\.\d+Z$/, "Z"),
    region: record.awsRegion,
    resources: [record.s3.bucket.arn],
    detail: {
      version: "0",
      bucket: { name: record.s3.bucket.name },
      object: {
        key: decodeS3EventKey(record.s3.object.key),
        size: record.s3.object.size ?? 0,
        etag: record.s3.object.eTag ?? "",
        sequencer: record.s3.object.sequencer,
      },
      "request-id": record.responseElements["x-amz-request-id"] ?? "LOCAL",
      requester: account,
      "source-ip-address": record.requestParameters.sourceIPAddress,
      reason: reason === "Put" ? "PutObject" : reason === "Copy" ? "CopyObject" : reason,
    },
  };
}

function matches(route: NotificationRoute, record: S3EventRecord): boolean {
  if (!record.eventName.startsWith("ObjectCreated:")) return false;
  if (record.s3.bucket.name !== route.bucket) return false;
  const key = decodeS3EventKey(record.s3.object.key);
  return key.startsWith(route.prefix ?? "") && key.endsWith(route.suffix ?? "");
}

function send(route: NotificationRoute, record: S3EventRecord): boolean {
  const body =
    route.shape === "s3"
      ? JSON.stringify({ Records: [record] })
      : JSON.stringify(toEventBridgeObjectCreated(record));
  const options: { groupId?: string; dedupId?: string } = {};
  if (route.queue.fifo) {
    options.groupId = route.groupId ?? "default";
    options.dedupId = `${record.s3.bucket.name}/${record.s3.object.key}/${record.s3.object.sequencer}`;
  }
  return route.queue.send(body, options);
}

/** The record real S3 sends for an object that a listing found. */
export function toListedObjectRecord(bucket: string, object: ObjectInfo, region: string): S3EventRecord {
  const time = object.lastModified ?? new Date();
  return {
    eventVersion: "2.1",
    eventSource: "aws:s3",
    awsRegion: region,
    eventTime: time.toISOString(),
    eventName: "ObjectCreated:Put",
    userIdentity: { principalId: "AWS:LOCAL" },
    requestParameters: { sourceIPAddress: "127.0.0.1" },
    responseElements: {},
    s3: {
      s3SchemaVersion: "1.0",
      configurationId: "etl-listing",
      bucket: { name: bucket, ownerIdentity: { principalId: "LOCAL" }, arn: `arn:aws:s3:::${bucket}` },
      object: {
        key: encodeS3EventKey(object.key),
        size: object.size,
        ...(object.etag ? { eTag: object.etag.replace(/"/g, "") } : {}),
        sequencer: time.getTime().toString(16).toUpperCase().padStart(18, "0"),
      },
    },
  };
}

/**
 * Delivery for an S3 that is not the local server (no event spool to read): every route's
 * prefix is listed (paginated), and each object not announced before (bucket, key and ETag,
 * remembered one per line in `stateFile`) is sent to its queue with the record S3 would send,
 * oldest key first. Returns how many messages were sent.
 */
export async function deliverByListing(
  store: ObjectStore,
  routes: NotificationRoute[],
  stateFile: string,
  region: string,
): Promise<number> {
  const seen = new Set(
    existsSync(stateFile) ? readFileSync(stateFile, "utf8").split("\n").filter(Boolean) : [],
  );
  mkdirSync(dirname(stateFile), { recursive: true });
  let sent = 0;
  for (const route of routes) {
    if (!route.bucket) continue;
    const found: ObjectInfo[] = [];
    for await (const object of store.list(route.bucket, route.prefix ?? "")) {
      if (!object.key.endsWith(route.suffix ?? "")) continue;
      if (seen.has(`${route.bucket}\t${object.key}\t${object.etag ?? ""}`)) continue;
      found.push(object);
    }
    found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    for (const object of found) {
      const id = `${route.bucket}\t${object.key}\t${object.etag ?? ""}`;
      if (send(route, toListedObjectRecord(route.bucket, object, region))) sent += 1;
      seen.add(id);
      appendFileSync(stateFile, `${id}\n`);
    }
  }
  return sent;
}

/**
 * Moves every spooled event file to `delivered/` after sending its records to the matching
 * queues, in the order the server wrote them. Returns how many messages were sent.
 */
export function deliverS3Events(eventsDir: string, routes: NotificationRoute[]): number {
  if (!existsSync(eventsDir)) return 0;
  const delivered = join(eventsDir, "delivered");
  mkdirSync(delivered, { recursive: true });
  let sent = 0;
  const files = readdirSync(eventsDir)
    .filter((f) => f.endsWith(".json") && !f.startsWith("."))
    .sort();
  for (const file of files) {
    const event = JSON.parse(readFileSync(join(eventsDir, file), "utf8")) as S3Event;
    for (const record of event.Records) {
      for (const route of routes.filter((r) => matches(r, record))) {
        if (send(route, record)) sent += 1;
      }
    }
    renameSync(join(eventsDir, file), join(delivered, file));
  }
  return sent;
}
