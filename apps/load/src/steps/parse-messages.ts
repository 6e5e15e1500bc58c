import { runIdFromManifestKey } from "@etl/s3-io";
import { DataError, type RunId, RunIdSchema } from "@etl/schemas";
import { z } from "zod";

/** S3 sends this once when a notification configuration is saved; it names no object. */
const S3TestEventSchema = z.object({ Service: z.literal("Amazon S3"), Event: z.literal("s3:TestEvent") });

/**
 * An S3 event notification (`{ Records: [...] }`), keys form-encoded. Only the fields read are
 * required: the local server and IPv6 clients leave out parts that stricter schemas demand.
 */
const S3NotificationSchema = z.object({
  Records: z
    .array(
      z.object({
        eventSource: z.literal("aws:s3"),
        eventName: z.string(),
        s3: z.object({
          bucket: z.object({ name: z.string().min(1) }),
          object: z.object({ key: z.string().min(1) }),
        }),
      }),
    )
    .min(1),
});

/**
 * An EventBridge "Object Created" event of S3 (how manifests reach a FIFO queue: S3 cannot
 * notify one directly). Its key is not encoded.
 */
const EventBridgeObjectCreatedSchema = z.object({
  source: z.literal("aws.s3"),
  "detail-type": z.literal("Object Created"),
  detail: z.object({
    bucket: z.object({ name: z.string().min(1) }),
    object: z.object({ key: z.string().min(1) }),
  }),
});

/** A direct invocation: `{ "runId": "..." }`. */
export const DirectLoadEventSchema = z.strictObject({ runId: RunIdSchema });

/** A key as S3 event notifications carry it: form-encoded, a space as `+`. */
export function decodeS3EventKey(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, " "));
}

export interface ManifestMessages {
  /** Run ids of manifests created in the processed bucket, in record order. */
  runIds: RunId[];
  /** Why each other record was left alone (test events, other buckets, other keys). */
  ignored: string[];
}

function accept(result: ManifestMessages, bucket: string, expected: string, key: string, created: boolean) {
  const runId = runIdFromManifestKey(key);
  if (!created) result.ignored.push(`not a creation: ${key}`);
  else if (bucket !== expected) result.ignored.push(`bucket ${bucket} is not ${expected}`);
  else if (runId === undefined) result.ignored.push(`${key} is not a run manifest`);
  else if (!result.runIds.includes(runId)) result.runIds.push(runId);
}

/**
 * The processed-run manifests an SQS message body announces: an S3 notification or an
 * EventBridge "Object Created" event. The S3 test event and records of other buckets or keys
 * are ignored with a reason; a body that is neither is a `DataError` (it can never succeed).
 */
export function manifestRunIds(body: string, bucket: string): ManifestMessages {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new DataError(`SQS message body is not JSON: ${JSON.stringify(body.slice(0, 80))}`, {
      code: "BAD_NOTIFICATION",
    });
  }
  const result: ManifestMessages = { runIds: [], ignored: [] };
  if (S3TestEventSchema.safeParse(json).success) {
    result.ignored.push("s3:TestEvent");
    return result;
  }
  const bridged = EventBridgeObjectCreatedSchema.safeParse(json);
  if (bridged.success) {
    const { bucket: b, object } = bridged.data.detail;
    accept(result, b.name, bucket, object.key, true);
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
    let key: string;
    try {
      key = decodeS3EventKey(record.s3.object.key);
    } catch {
      result.ignored.push(`undecodable key ${JSON.stringify(record.s3.object.key)}`);
      continue;
    }
    accept(result, record.s3.bucket.name, bucket, key, record.eventName.startsWith("ObjectCreated:"));
  }
  return result;
}
