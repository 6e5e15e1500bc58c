import { runIdFromManifestKey } from "@etl/s3-io";
import { DataError, type RunId } from "@etl/schemas";
import { z } from "zod";

/** S3 sends this once when a notification configuration is saved; it names no object. */
const S3TestEventSchema = z.object({ Service: z.literal("Amazon S3"), Event: z.literal("s3:TestEvent") });

/**
 * The parts of an S3 event notification record the transform reads. Powertools' `S3Schema` is
 * stricter than S3 itself in ways that matter here (it requires `x-amz-*` response elements and
 * an IPv4 source address, which IPv6 clients and the local S3 server do not give), so only the
 * fields used are required.
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

/** A key as S3 event notifications carry it: form-encoded, a space as `+`. */
export function decodeS3EventKey(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, " "));
}

export interface ManifestNotifications {
  /** Run ids of the manifests created in the expected bucket, in record order. */
  runIds: RunId[];
  /** Why each other record was left alone (test events, other buckets, other keys). */
  ignored: string[];
}

/**
 * The run manifests an SQS message body announces. S3's test event and records that are not
 * `ObjectCreated:*` of `runs/<runId>.json` in `bucket` are ignored with a reason; a body that is
 * not an S3 notification at all is a `DataError` (the message can never succeed).
 */
export function manifestRunIds(body: string, bucket: string): ManifestNotifications {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new DataError(`SQS message body is not JSON: ${JSON.stringify(body.slice(0, 80))}`, {
      code: "BAD_NOTIFICATION",
    });
  }
  if (S3TestEventSchema.safeParse(json).success) return { runIds: [], ignored: ["s3:TestEvent"] };
  const parsed = S3NotificationSchema.safeParse(json);
  if (!parsed.success) {
    throw new DataError(
      `SQS message body is not an S3 event notification: ${parsed.error.issues[0]?.message}`,
      {
        code: "BAD_NOTIFICATION",
      },
    );
  }
  const result: ManifestNotifications = { runIds: [], ignored: [] };
  for (const record of parsed.data.Records) {
    let key: string;
    try {
      key = decodeS3EventKey(record.s3.object.key);
    } catch {
      result.ignored.push(`undecodable key ${JSON.stringify(record.s3.object.key)}`);
      continue;
    }
    const runId = runIdFromManifestKey(key);
    if (!record.eventName.startsWith("ObjectCreated:")) result.ignored.push(`${record.eventName} ${key}`);
    else if (record.s3.bucket.name !== bucket)
      result.ignored.push(`bucket ${record.s3.bucket.name} is not ${bucket}`);
    else if (runId === undefined) result.ignored.push(`${key} is not a run manifest`);
    else result.runIds.push(runId);
  }
  return result;
}
