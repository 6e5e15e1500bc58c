import { z } from "zod";
import { DataError } from "./errors";
import { type RunId, RunIdSchema } from "./manifest";

/**
 * The S3 object notifications the apps receive through SQS, in the three shapes S3 sends:
 * an event notification (`{ Records }`, keys form-encoded), an EventBridge "Object Created"
 * event (how S3 reaches a FIFO queue; its key is not encoded) and the test event S3 sends once
 * when a notification configuration is saved. Only the fields read are required: the local S3
 * server and IPv6 clients leave out parts that stricter schemas demand.
 */

const S3TestEventSchema = z.object({ Service: z.literal("Amazon S3"), Event: z.literal("s3:TestEvent") });

const S3NotificationSchema = z.object({
  Records: z
    .array(
      z.object({
        eventSource: z.literal("aws:s3"),
        eventName: z.string(),
        s3: z.object({
          bucket: z.object({ name: z.string().min(1) }),
          object: z.object({
            key: z.string().min(1),
            size: z.number().int().nonnegative().optional(),
            eTag: z.string().optional(),
            versionId: z.string().optional(),
            sequencer: z.string().optional(),
          }),
        }),
      }),
    )
    .min(1),
});

const EventBridgeObjectCreatedSchema = z.object({
  source: z.literal("aws.s3"),
  "detail-type": z.literal("Object Created"),
  detail: z.object({
    bucket: z.object({ name: z.string().min(1) }),
    object: z.object({
      key: z.string().min(1),
      size: z.number().int().nonnegative().optional(),
      etag: z.string().optional(),
      "version-id": z.string().optional(),
      sequencer: z.string().optional(),
    }),
  }),
});

/** One object a notification names, its key decoded. */
export interface NotifiedObject {
  bucket: string;
  key: string;
  /** True for every `ObjectCreated:*` record and every EventBridge "Object Created" event. */
  created: boolean;
  size?: number;
  etag?: string;
  versionId?: string;
  /** S3's ordering token of events on one key: differs between two writes of the same key. */
  sequencer?: string;
}

export interface ObjectNotifications {
  objects: NotifiedObject[];
  /** Why a record was left out (the test event, an undecodable key). */
  ignored: string[];
}

/** A key as S3 event notifications carry it: form-encoded, a space as `+`. */
export function decodeS3EventKey(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, " "));
}

const stripQuotes = (etag: string | undefined) => etag?.replace(/^"|"$/g, "");

function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/**
 * The objects an SQS message body names. A body that is none of the three shapes is a
 * `DataError`: such a message can never succeed, so it is acknowledged after it is reported.
 */
export function parseObjectNotifications(body: string): ObjectNotifications {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new DataError(`SQS message body is not JSON: ${JSON.stringify(body.slice(0, 80))}`, {
      code: "BAD_NOTIFICATION",
    });
  }
  if (S3TestEventSchema.safeParse(json).success) return { objects: [], ignored: ["s3:TestEvent"] };
  const bridged = EventBridgeObjectCreatedSchema.safeParse(json);
  if (bridged.success) {
    const { bucket, object } = bridged.data.detail;
    const notified = defined({
      bucket: bucket.name,
      key: object.key,
      created: true,
      size: object.size,
      etag: stripQuotes(object.etag),
      versionId: object["version-id"],
      sequencer: object.sequencer,
    });
    return { objects: [notified], ignored: [] };
  }
  const notification = S3NotificationSchema.safeParse(json);
  if (!notification.success) {
    throw new DataError(
      "SQS message body is neither an S3 notification nor an EventBridge Object Created event",
      {
        code: "BAD_NOTIFICATION",
      },
    );
  }
  const result: ObjectNotifications = { objects: [], ignored: [] };
  for (const record of notification.data.Records) {
    const { bucket, object } = record.s3;
    let key: string;
    try {
      key = decodeS3EventKey(object.key);
    } catch {
      result.ignored.push(`undecodable key ${JSON.stringify(object.key)}`);
      continue;
    }
    result.objects.push(
      defined({
        bucket: bucket.name,
        key,
        created: record.eventName.startsWith("ObjectCreated:"),
        size: object.size,
        etag: stripQuotes(object.eTag),
        versionId: object.versionId,
        sequencer: object.sequencer,
      }),
    );
  }
  return result;
}

export interface ManifestNotifications {
  /** Run ids of the manifests created in the expected bucket, in record order, each once. */
  runIds: RunId[];
  /** Why each other record was left alone (test events, other buckets, other keys). */
  ignored: string[];
}

/** The run manifests (`runs/<runId>.json` created in `bucket`) an SQS message body announces. */
export function manifestRunIds(body: string, bucket: string): ManifestNotifications {
  const { objects, ignored } = parseObjectNotifications(body);
  const result: ManifestNotifications = { runIds: [], ignored: [...ignored] };
  for (const object of objects) {
    const match = /^runs\/(.+)\.json$/.exec(object.key);
    const runId = match?.[1] && RunIdSchema.safeParse(match[1]).success ? match[1] : undefined;
    if (!object.created) result.ignored.push(`not a creation: ${object.key}`);
    else if (object.bucket !== bucket) result.ignored.push(`bucket ${object.bucket} is not ${bucket}`);
    else if (runId === undefined) result.ignored.push(`${object.key} is not a run manifest`);
    else if (!result.runIds.includes(runId)) result.runIds.push(runId);
  }
  return result;
}
