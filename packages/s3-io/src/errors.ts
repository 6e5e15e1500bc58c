import { EtlError } from "@etl/schemas";

export type ObjectOperation = "put" | "putStream" | "get" | "getStream" | "head" | "list" | "copy" | "delete";

/**
 * An object store call failed in a way a retry cannot fix (missing object or bucket, access
 * denied, invalid request). The message names the operation, bucket and key; transient failures
 * (throttling, 5xx, network) are `TransientError`s instead.
 */
export class ObjectStoreError extends EtlError {
  readonly operation: ObjectOperation;
  readonly bucket: string;
  readonly key: string | undefined;

  constructor(
    message: string,
    options: { operation: ObjectOperation; bucket: string; key?: string; code: string; cause?: unknown },
  ) {
    super(message, { retryable: false, code: options.code, cause: options.cause });
    this.operation = options.operation;
    this.bucket = options.bucket;
    this.key = options.key;
  }
}

/** The object (or its bucket) does not exist. */
export class ObjectNotFoundError extends ObjectStoreError {
  constructor(options: {
    operation: ObjectOperation;
    bucket: string;
    key?: string;
    missing?: "object" | "bucket";
    cause?: unknown;
  }) {
    super(
      `${options.operation} ${objectUrl(options.bucket, options.key)}: no such ${options.missing ?? "object"}`,
      {
        ...options,
        code: options.missing === "bucket" ? "BUCKET_NOT_FOUND" : "OBJECT_NOT_FOUND",
      },
    );
  }
}

/** A put with `ifNoneMatch` found the key taken: objects are never overwritten. */
export class ObjectExistsError extends ObjectStoreError {
  constructor(options: { operation: ObjectOperation; bucket: string; key: string; cause?: unknown }) {
    super(
      `${options.operation} ${objectUrl(options.bucket, options.key)}: object exists and is never overwritten`,
      {
        ...options,
        code: "OBJECT_EXISTS",
      },
    );
  }
}

/** `s3://bucket/key` for messages. */
export function objectUrl(bucket: string, key?: string): string {
  return `s3://${bucket}/${key ?? ""}`;
}
