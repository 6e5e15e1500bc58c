/**
 * The local S3 server's event records differ from the ones real S3 delivers: the key is not
 * URL-encoded, the bucket ARN is malformed, the region is fixed and a completed multipart upload
 * is reported as `ObjectCreated:Post`. Handlers must only ever see the real shape, so every
 * record is rewritten here before it is queued.
 */
export interface S3EventRecord {
  eventVersion: string;
  eventSource: "aws:s3";
  awsRegion: string;
  eventTime: string;
  eventName: string;
  userIdentity: { principalId: string };
  requestParameters: { sourceIPAddress: string };
  responseElements: Record<string, string>;
  s3: {
    s3SchemaVersion: string;
    configurationId: string;
    bucket: { name: string; ownerIdentity: { principalId: string }; arn: string };
    object: { key: string; size?: number; eTag?: string; versionId?: string; sequencer: string };
  };
}

export interface S3Event {
  Records: S3EventRecord[];
}

/** Encodes a key the way S3 does in event notifications: form encoding, `/` kept, space as `+`. */
export function encodeS3EventKey(key: string): string {
  return encodeURIComponent(key)
    .replace(/%2F/g, "/")
    .replace(/%20/g, "+")
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Decodes a key from an S3 event notification (`+` is a space). */
export function decodeS3EventKey(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, " "));
}

export interface RewriteOptions {
  region: string;
  /** True when the request that created the object completed a multipart upload. */
  multipart: boolean;
}

/** A record as the local server (s3rver) writes it: every field set, size and ETag not on deletes. */
export interface LocalS3EventRecord {
  eventName: string;
  eventTime: string;
  userIdentity: { principalId: string };
  requestParameters: { sourceIPAddress: string };
  responseElements: Record<string, string>;
  s3: {
    configurationId: string;
    bucket: { name: string; ownerIdentity: { principalId: string } };
    object: { key: string; size?: number; eTag?: string; sequencer: string };
  };
}

/** Rewrites one record of the local server into the shape real S3 delivers. */
export function toRealS3EventRecord(record: LocalS3EventRecord, options: RewriteOptions): S3EventRecord {
  const { bucket, object } = record.s3;
  const eventName =
    record.eventName === "ObjectCreated:Post" && options.multipart
      ? "ObjectCreated:CompleteMultipartUpload"
      : record.eventName;
  const sequencer = object.sequencer.padStart(18, "0").toUpperCase();
  const rewritten: S3EventRecord["s3"]["object"] = { key: encodeS3EventKey(object.key), sequencer };
  if (object.size !== undefined) rewritten.size = Number(object.size);
  if (object.eTag !== undefined) rewritten.eTag = object.eTag.replace(/"/g, "");
  return {
    eventVersion: "2.1",
    eventSource: "aws:s3",
    awsRegion: options.region,
    eventTime: record.eventTime,
    eventName,
    userIdentity: { principalId: record.userIdentity.principalId },
    requestParameters: { sourceIPAddress: record.requestParameters.sourceIPAddress },
    responseElements: record.responseElements,
    s3: {
      s3SchemaVersion: "1.0",
      configurationId: record.s3.configurationId,
      bucket: {
        name: bucket.name,
        ownerIdentity: { principalId: bucket.ownerIdentity.principalId },
        arn: `arn:aws:s3:::${bucket.name}`,
      },
      object: rewritten,
    },
  };
}
