import { createHash } from "node:crypto";
import { ObjectExistsError, type ObjectStore, type PutOptions } from "@etl/s3-io";
import { OutputConflictError } from "../errors";

/** An object this attempt wrote, or found already written with the same bytes. */
export interface WrittenObject {
  key: string;
  bytes: number;
  sha256: string;
  /** False when the key already held the same bytes (e.g. this put, retried after a lost response). */
  created: boolean;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/**
 * Writes an object that must never be overwritten (`If-None-Match: *`). Keys are unique to the
 * attempt, so an existing key is this attempt's own put that landed although its response was
 * lost (equal bytes: kept, `created: false`), or, with different bytes, another attempt that drew
 * the same token: an `OutputConflictError` (retryable), and the object stays as it is.
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
    return { key, bytes: body.byteLength, sha256, created: true };
  } catch (error) {
    if (!(error instanceof ObjectExistsError)) throw error;
    const existing = await store.get(bucket, key);
    if (sha256Hex(existing) !== sha256) throw new OutputConflictError(bucket, key);
    return { key, bytes: body.byteLength, sha256, created: false };
  }
}
