import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { TransientError } from "@etl/schemas";
import { ObjectExistsError, ObjectNotFoundError, type ObjectOperation } from "../errors";
import type { ObjectInfo, ObjectStore, PutOptions } from "../object-store";

/** An object held by the fake, as a test may inspect it. */
export interface StoredObject {
  key: string;
  body: Uint8Array;
  etag: string;
  lastModified: Date;
  contentType?: string;
  contentEncoding?: string;
  metadata?: Record<string, string>;
}

/** Which calls an injected failure applies to: an exact key, a key pattern or a predicate. */
export type KeyMatcher = string | RegExp | ((bucket: string, key: string) => boolean);

export interface MemoryObjectStoreOptions {
  /** When given, only these buckets exist and any other fails like a missing bucket. */
  buckets?: string[];
  /** The clock for `lastModified`. */
  clock?: () => Date;
}

/** One call the fake received, in order. */
export interface ObjectStoreCall {
  operation: ObjectOperation;
  bucket: string;
  key: string;
}

export interface MemoryObjectStore extends ObjectStore {
  /** The next call of `operation` whose key matches fails with `error` (a TransientError by default). */
  failNext(operation: ObjectOperation, matcher?: KeyMatcher, error?: Error): void;
  /** Shorthand for `failNext("put", ...)`; also fails `putStream`. */
  failNextPut(matcher?: KeyMatcher, error?: Error): void;
  /** The objects of a bucket in key order. */
  objects(bucket: string): StoredObject[];
  /** The body of an object as UTF-8 text, or undefined. */
  text(bucket: string, key: string): string | undefined;
  /** Every call received so far. */
  readonly calls: readonly ObjectStoreCall[];
}

interface PendingFailure {
  operations: ObjectOperation[];
  matches: (bucket: string, key: string) => boolean;
  error: Error;
}

const byUtf8 = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

function toPredicate(matcher: KeyMatcher | undefined): (bucket: string, key: string) => boolean {
  if (matcher === undefined) return () => true;
  if (typeof matcher === "string") return (_bucket, key) => key === matcher;
  if (matcher instanceof RegExp) return (_bucket, key) => matcher.test(key);
  return matcher;
}

function toBytes(body: Uint8Array | string): Uint8Array {
  return typeof body === "string" ? new Uint8Array(Buffer.from(body, "utf8")) : new Uint8Array(body);
}

/**
 * An in-memory `ObjectStore` with the S3 adapter's semantics (errors, `ifNoneMatch`, key order,
 * idempotent delete) and failure injection, for unit tests of the apps.
 *
 * @example
 * const store = createMemoryObjectStore();
 * store.failNextPut(/^runs\//); // the manifest write fails once with a TransientError
 */
export function createMemoryObjectStore(options: MemoryObjectStoreOptions = {}): MemoryObjectStore {
  const clock = options.clock ?? (() => new Date());
  const buckets = new Map<string, Map<string, StoredObject>>();
  for (const name of options.buckets ?? []) buckets.set(name, new Map());
  const strict = options.buckets !== undefined;
  const failures: PendingFailure[] = [];
  const calls: ObjectStoreCall[] = [];

  const enter = (operation: ObjectOperation, bucket: string, key: string) => {
    calls.push({ operation, bucket, key });
    const index = failures.findIndex((f) => f.operations.includes(operation) && f.matches(bucket, key));
    if (index >= 0) {
      const [failure] = failures.splice(index, 1);
      if (failure) throw failure.error;
    }
  };

  const bucketOf = (operation: ObjectOperation, bucket: string, key: string) => {
    let objects = buckets.get(bucket);
    if (!objects) {
      if (strict) throw new ObjectNotFoundError({ operation, bucket, key, missing: "bucket" });
      objects = new Map();
      buckets.set(bucket, objects);
    }
    return objects;
  };

  const existing = (operation: ObjectOperation, bucket: string, key: string) => {
    const object = bucketOf(operation, bucket, key).get(key);
    if (!object) throw new ObjectNotFoundError({ operation, bucket, key });
    return object;
  };

  const store = (
    operation: ObjectOperation,
    bucket: string,
    key: string,
    body: Uint8Array,
    putOptions: PutOptions = {},
  ): ObjectInfo => {
    const objects = bucketOf(operation, bucket, key);
    if (putOptions.ifNoneMatch && objects.has(key)) throw new ObjectExistsError({ operation, bucket, key });
    const object: StoredObject = {
      key,
      body,
      etag: createHash("md5").update(body).digest("hex"),
      lastModified: clock(),
      ...(putOptions.contentType === undefined ? {} : { contentType: putOptions.contentType }),
      ...(putOptions.contentEncoding === undefined ? {} : { contentEncoding: putOptions.contentEncoding }),
      ...(putOptions.metadata === undefined ? {} : { metadata: { ...putOptions.metadata } }),
    };
    objects.set(key, object);
    return infoOf(object);
  };

  return {
    get calls() {
      return calls;
    },

    failNext(operation, matcher, error) {
      failures.push({
        operations: [operation],
        matches: toPredicate(matcher),
        error: error ?? new TransientError(`injected ${operation} failure`),
      });
    },

    failNextPut(matcher, error) {
      failures.push({
        operations: ["put", "putStream"],
        matches: toPredicate(matcher),
        error: error ?? new TransientError("injected put failure"),
      });
    },

    objects(bucket) {
      const objects = buckets.get(bucket) ?? new Map<string, StoredObject>();
      return [...objects.values()].sort((a, b) => byUtf8(a.key, b.key));
    },

    text(bucket, key) {
      const object = buckets.get(bucket)?.get(key);
      return object ? Buffer.from(object.body).toString("utf8") : undefined;
    },

    async put(bucket, key, body, putOptions) {
      enter("put", bucket, key);
      return store("put", bucket, key, toBytes(body), putOptions);
    },

    async putStream(bucket, key, body, putOptions) {
      enter("putStream", bucket, key);
      const chunks: Buffer[] = [];
      for await (const chunk of body) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
      return store("putStream", bucket, key, new Uint8Array(Buffer.concat(chunks)), putOptions);
    },

    async get(bucket, key) {
      enter("get", bucket, key);
      return new Uint8Array(existing("get", bucket, key).body);
    },

    async getStream(bucket, key) {
      enter("getStream", bucket, key);
      const body = existing("getStream", bucket, key).body;
      // Small chunks, like a network body, so readers are exercised across chunk boundaries.
      const chunkSize = 64 * 1024;
      const chunks: Buffer[] = [];
      for (let i = 0; i < body.length; i += chunkSize)
        chunks.push(Buffer.from(body.subarray(i, i + chunkSize)));
      return Readable.from(chunks);
    },

    async head(bucket, key) {
      enter("head", bucket, key);
      const object = bucketOf("head", bucket, key).get(key);
      return object ? infoOf(object) : undefined;
    },

    async *list(bucket, prefix) {
      enter("list", bucket, prefix);
      const objects = bucketOf("list", bucket, prefix);
      const keys = [...objects.keys()].filter((k) => k.startsWith(prefix)).sort(byUtf8);
      for (const key of keys) {
        const object = objects.get(key);
        if (object) yield infoOf(object);
      }
    },

    async copy(bucket, fromKey, toKey, toBucket) {
      enter("copy", bucket, fromKey);
      const source = existing("copy", bucket, fromKey);
      const target = toBucket ?? bucket;
      bucketOf("copy", target, toKey).set(toKey, {
        ...source,
        key: toKey,
        body: new Uint8Array(source.body),
        lastModified: clock(),
      });
    },

    async delete(bucket, key) {
      enter("delete", bucket, key);
      bucketOf("delete", bucket, key).delete(key);
    },
  };
}

function infoOf(object: StoredObject): ObjectInfo {
  return { key: object.key, size: object.body.length, etag: object.etag, lastModified: object.lastModified };
}
