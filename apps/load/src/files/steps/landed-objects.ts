import { decodeS3EventKey, type NotifiedObject, parseObjectNotifications } from "@etl/schemas";

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

/** A key as S3 event notifications carry it: form-encoded, a space as `+`. */
export const decodeEventKey = decodeS3EventKey;

function accept(result: LandedMessages, expectedBucket: string, object: NotifiedObject): void {
  if (!object.created) result.ignored.push(`not a creation: ${object.key}`);
  else if (object.bucket !== expectedBucket)
    result.ignored.push(`bucket ${object.bucket} is not ${expectedBucket}`);
  else if (!object.key.startsWith(LANDING_PREFIX))
    result.ignored.push(`${object.key} is not under ${LANDING_PREFIX}`);
  // A "folder" made in the console is a zero-byte key ending in /: nothing to load.
  else if (object.key.endsWith("/")) result.ignored.push(`${object.key} is a folder marker`);
  else {
    const { created: _, ...landed } = object;
    result.objects.push(landed);
  }
}

/**
 * The landed objects an SQS message body announces: an S3 notification (keys URL-decoded, `+`
 * a space) or an EventBridge "Object Created" event. The S3 test event and records of other
 * buckets, prefixes or event types are ignored with a reason; a body that is neither is a
 * `DataError` (it can never succeed).
 */
export function landedObjects(body: string, bucket: string): LandedMessages {
  const { objects, ignored } = parseObjectNotifications(body);
  const result: LandedMessages = { objects: [], ignored: [...ignored] };
  for (const object of objects) accept(result, bucket, object);
  return result;
}
