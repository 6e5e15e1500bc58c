import type { Readable } from "node:stream";

export interface ObjectInfo {
  key: string;
  size: number;
  etag?: string;
  lastModified?: Date;
}

export interface PutOptions {
  contentType?: string;
  contentEncoding?: string;
  /** Refuse to overwrite an existing object (S3 `If-None-Match: *`). */
  ifNoneMatch?: boolean;
  metadata?: Record<string, string>;
}

/**
 * The port every stage uses to read and write objects. The business logic never sees an SDK
 * client: `@etl/s3-io/aws` adapts S3 to it, `@etl/s3-io/testing` has an in-memory fake.
 */
export interface ObjectStore {
  put(bucket: string, key: string, body: Uint8Array | string, options?: PutOptions): Promise<ObjectInfo>;
  /** Streams a body of unknown length (multipart upload); memory stays bounded by a part. */
  putStream(bucket: string, key: string, body: Readable, options?: PutOptions): Promise<ObjectInfo>;
  get(bucket: string, key: string): Promise<Uint8Array>;
  getStream(bucket: string, key: string): Promise<Readable>;
  /** Undefined when the object does not exist. */
  head(bucket: string, key: string): Promise<ObjectInfo | undefined>;
  /** Every object under the prefix, following pagination to the end, in key order. */
  list(bucket: string, prefix: string): AsyncIterable<ObjectInfo>;
  copy(bucket: string, fromKey: string, toKey: string, toBucket?: string): Promise<void>;
  delete(bucket: string, key: string): Promise<void>;
}
