import { DataError } from "@etl/schemas";
import { z } from "zod";

/** One object version that landed: what the notification says about it. */
export interface LandedObject {
  bucket: string;
  key: string;
  size?: number;
  etag?: string;
  versionId?: string;
  /** S3's ordering token of events on one key: differs between two writes of the same key. */
  sequencer?: string;
}

export interface LandedMessages {
  objects: LandedObject[];
  /** Why each other record was left alone (test events, other buckets or prefixes, deletions). */
  ignored: string[];
}

/** The prefix S3 notifies the file loader about. */
export const LANDING_PREFIX = "landing/";

/** Sent once when a notification configuration is saved; it names no object. */
const S3TestEventSchema = z.object({ Service: z.literal("Amazon S3"), Event: z.literal("s3:TestEvent") });

const ObjectSchema = z.object({
  key: z.string().min(1),
  size: z.number().int().nonnegative().optional(),
  eTag: z.string().optional(),
  versionId: z.string().optional(),
  sequencer: z.string().optional(),
});

/** An S3 event notification; only the fields read are required (the local server omits some). */
const S3NotificationSchema = z.object({
  Records: z
    .array(
      z.object({
        eventSource: z.literal("aws:s3"),
        eventName: z.string(),
        s3: z.object({ bucket: z.object({ name: z.string().min(1) }), object: ObjectSchema }),
      }),
    )
    .min(1),
});

/** An EventBridge "Object Created" event of S3; its key is not encoded. */
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

/** A key as S3 event notifications carry it: form-encoded, a space as `+`. */
export function decodeEventKey(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, " "));
}

const stripQuotes = (etag: string | undefined) => etag?.replace(/^"|"$/g, "");

function accept(
  result: LandedMessages,
  expectedBucket: string,
  object: LandedObject,
  created: boolean,
): void {
  if (!created) result.ignored.push(`not a creation: ${object.key}`);
  else if (object.bucket !== expectedBucket)
    result.ignored.push(`bucket ${object.bucket} is not ${expectedBucket}`);
  else if (!object.key.startsWith(LANDING_PREFIX))
    result.ignored.push(`${object.key} is not under ${LANDING_PREFIX}`);
  // A "folder" made in the console is a zero-byte key ending in /: nothing to load.
  else if (object.key.endsWith("/")) result.ignored.push(`${object.key} is a folder marker`);
  else result.objects.push(object);
}

function defined<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/**
 * The landed objects an SQS message body announces: an S3 notification (keys URL-decoded, `+`
 * a space) or an EventBridge "Object Created" event. The S3 test event and records of other
 * buckets, prefixes or event types are ignored with a reason; a body that is neither is a
 * `DataError` (it can never succeed).
 */
export function landedObjects(body: string, bucket: string): LandedMessages {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new DataError(`SQS message body is not JSON: ${JSON.stringify(body.slice(0, 80))}`, {
      code: "BAD_NOTIFICATION",
    });
  }
  const result: LandedMessages = { objects: [], ignored: [] };
  if (S3TestEventSchema.safeParse(json).success) {
    result.ignored.push("s3:TestEvent");
    return result;
  }
  const bridged = EventBridgeObjectCreatedSchema.safeParse(json);
  if (bridged.success) {
    const { bucket: b, object } = bridged.data.detail;
    const landed = defined({
      bucket: b.name,
      key: object.key,
      size: object.size,
      etag: stripQuotes(object.etag),
      versionId: object["version-id"],
      sequencer: object.sequencer,
    });
    accept(result, bucket, landed, true);
    return result;
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
  for (const record of notification.data.Records) {
    const { object } = record.s3;
    let key: string;
    try {
      key = decodeEventKey(object.key);
    } catch {
      result.ignored.push(`undecodable key ${JSON.stringify(object.key)}`);
      continue;
    }
    const landed = defined({
      bucket: record.s3.bucket.name,
      key,
      size: object.size,
      etag: stripQuotes(object.eTag),
      versionId: object.versionId,
      sequencer: object.sequencer,
    });
    accept(result, bucket, landed, record.eventName.startsWith("ObjectCreated:"));
  }
  return result;
}
