import { EtlError, isTransientSdkError, messageOf, sdkErrorShape, TransientError } from "@etl/schemas";
import {
  ObjectExistsError,
  ObjectNotFoundError,
  type ObjectOperation,
  ObjectStoreError,
  objectUrl,
} from "../errors";

const ACCESS_NAMES = new Set([
  "AccessDenied",
  "Forbidden",
  "InvalidAccessKeyId",
  "SignatureDoesNotMatch",
  "ExpiredToken",
  "InvalidToken",
  "AllAccessDisabled",
]);

/** True when the SDK error is a 404 (`NotFound` on HEAD, `NoSuchKey` on GET). */
export function isNotFound(error: unknown): boolean {
  const { name, $metadata } = sdkErrorShape(error);
  return name === "NotFound" || name === "NoSuchKey" || $metadata?.httpStatusCode === 404;
}

/**
 * Maps an S3 SDK error to the pipeline's errors: throttling, 5xx and network failures become
 * `TransientError` (retry may help); a missing object or bucket, a refused overwrite and access
 * problems become non-retryable `ObjectStoreError`s. Every message names operation, bucket and key.
 */
export function toObjectStoreError(
  error: unknown,
  operation: ObjectOperation,
  bucket: string,
  key?: string,
): Error {
  if (error instanceof EtlError) return error;
  const { name = "Error", $metadata } = sdkErrorShape(error);
  const status = $metadata?.httpStatusCode;
  const where = `${operation} ${objectUrl(bucket, key)}`;
  const context = { operation, bucket, cause: error, ...(key === undefined ? {} : { key }) };

  if (name === "NoSuchBucket") return new ObjectNotFoundError({ ...context, missing: "bucket" });
  if (name === "NoSuchKey" || name === "NotFound" || status === 404) return new ObjectNotFoundError(context);
  if ((name === "PreconditionFailed" || status === 412) && key !== undefined)
    return new ObjectExistsError({ ...context, key });
  if (ACCESS_NAMES.has(name) || status === 403) {
    return new ObjectStoreError(
      `${where}: access denied (${name}); check the role's S3 permissions for this bucket and prefix` +
        (operation === "head" ? " (without s3:ListBucket a missing key also reads as 403)" : ""),
      { ...context, code: "ACCESS_DENIED" },
    );
  }
  // S3 answers 409 to a request that conflicts with another in flight on the same bucket.
  const transient = isTransientSdkError(error) || status === 409;
  if (transient) return new TransientError(`${where}: ${name}: ${messageOf(error)}`, { cause: error });
  // Not an S3 response (a bug, a bad argument): left as it is, which the pipeline treats as unknown.
  if (status === undefined)
    return error instanceof Error ? error : new Error(`${where}: ${messageOf(error)}`);
  return new ObjectStoreError(`${where}: ${name}: ${messageOf(error)}`, { ...context, code: `S3_${name}` });
}
