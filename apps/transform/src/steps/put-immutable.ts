import { createHash } from "node:crypto";
import { ObjectExistsError, type ObjectStore, type PutOptions } from "@etl/s3-io";
import { OutputConflictError } from "../errors";

/** An object this attempt wrote. */
export interface WrittenObject {
  key: string;
  bytes: number;
  sha256: string;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/**
 * Writes an object that must never be overwritten (`If-None-Match: *`). Keys hold the attempt's
 * token, so a key that exists was written by another attempt that drew the same token (or by
 * this put, retried by the SDK after its response was lost; the two cannot be told apart, even by
 * equal bytes): an `OutputConflictError`, retryable, and the object stays as it is. So every
 * object an attempt reports written is its own, and only it can remove it.
 */
export async function putImmutable(
  store: ObjectStore,
  bucket: string,
  key: string,
  body: Uint8Array,
  options: Omit<PutOptions, "ifNoneMatch"> = {},
): Promise<WrittenObject> {
  const sha256 = sha256Hex(body);
  try {
    await store.put(bucket, key, body, { ...options, ifNoneMatch: true });
    return { key, bytes: body.byteLength, sha256 };
  } catch (error) {
    if (error instanceof ObjectExistsError) throw new OutputConflictError(bucket, key, { cause: error });
    throw error;
  }
}
