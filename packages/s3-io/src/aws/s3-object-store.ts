import { PassThrough, Readable, Transform, type TransformCallback } from "node:stream";
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  paginateListObjectsV2,
  type S3Client,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { messageOf, TransientError } from "@etl/schemas";
import { ObjectExistsError, type ObjectOperation, objectUrl } from "../errors";
import type { ObjectInfo, ObjectStore, PutOptions } from "../object-store";
import { isNotFound, toObjectStoreError } from "./map-s3-error";

export interface S3ObjectStoreOptions {
  /**
   * True for the project's own local S3 server (s3rver), and only for it (see `isLocalS3Server`;
   * never inferred from an endpoint being set: moto or MinIO behave like S3), which differs from S3 in two ways handled
   * here. It ignores `If-None-Match: *` on writes and overwrites, so `ifNoneMatch` becomes a HEAD
   * before the write (not atomic: fine for one local writer per key; S3 itself gets the header).
   * It decodes `x-amz-copy-source` with `decodeURI`, which leaves `%2B` and other reserved escapes
   * as they are, so copies send the key `encodeURI`-encoded instead of fully encoded.
   */
  localServer?: boolean;
  /** Multipart part size for `putStream` (minimum 5 MiB; default 8 MiB). */
  partSize?: number;
  /** Parts uploaded in parallel by `putStream` (default 2): memory is about `partSize * (queueSize + 1)`. */
  queueSize?: number;
}

const MIB = 1024 * 1024;

const stripQuotes = (etag: string | undefined) => etag?.replace(/"/g, "");

/** `CopySource` is `bucket/key` URL-encoded, with the key's slashes kept. */
function copySource(bucket: string, key: string, localServer: boolean): string {
  if (localServer) return `${bucket}/${encodeURI(key)}`;
  return `${bucket}/${key.split("/").map(encodeURIComponent).join("/")}`;
}

/** Counts the bytes that pass, so `putStream` can report the object's size without a HEAD. */
class ByteCounter extends Transform {
  bytes = 0;
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    callback(null, chunk);
  }
}

/**
 * The `ObjectStore` port on Amazon S3 (or the local S3-compatible server).
 *
 * @example
 * const store = createS3ObjectStore(createS3Client({ region, endpoint }), {
 *   localServer: isLocalS3Server(process.env),
 * });
 */
export function createS3ObjectStore(client: S3Client, options: S3ObjectStoreOptions = {}): ObjectStore {
  const localServer = options.localServer === true;
  const partSize = Math.max(options.partSize ?? 8 * MIB, 5 * MIB);
  const queueSize = options.queueSize ?? 2;

  const call = async <T>(operation: ObjectOperation, bucket: string, key: string, fn: () => Promise<T>) => {
    try {
      return await fn();
    } catch (error) {
      throw toObjectStoreError(error, operation, bucket, key);
    }
  };

  const head = (bucket: string, key: string) =>
    call("head", bucket, key, async (): Promise<ObjectInfo | undefined> => {
      try {
        const out = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        const info: ObjectInfo = { key, size: out.ContentLength ?? 0 };
        const etag = stripQuotes(out.ETag);
        if (etag !== undefined) info.etag = etag;
        if (out.LastModified !== undefined) info.lastModified = out.LastModified;
        return info;
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    });

  const refuseExisting = async (
    operation: ObjectOperation,
    bucket: string,
    key: string,
    opts?: PutOptions,
  ) => {
    if (localServer && opts?.ifNoneMatch && (await head(bucket, key)) !== undefined)
      throw new ObjectExistsError({ operation, bucket, key });
  };

  const putParams = (bucket: string, key: string, opts: PutOptions = {}) => ({
    Bucket: bucket,
    Key: key,
    ...(opts.contentType === undefined ? {} : { ContentType: opts.contentType }),
    ...(opts.contentEncoding === undefined ? {} : { ContentEncoding: opts.contentEncoding }),
    ...(opts.metadata === undefined ? {} : { Metadata: opts.metadata }),
    ...(opts.ifNoneMatch && !localServer ? { IfNoneMatch: "*" } : {}),
  });

  return {
    async put(bucket, key, body, opts) {
      await refuseExisting("put", bucket, key, opts);
      const bytes = typeof body === "string" ? Buffer.from(body, "utf8") : body;
      return call("put", bucket, key, async () => {
        const out = await client.send(new PutObjectCommand({ ...putParams(bucket, key, opts), Body: bytes }));
        const info: ObjectInfo = { key, size: bytes.byteLength };
        const etag = stripQuotes(out.ETag);
        if (etag !== undefined) info.etag = etag;
        return info;
      });
    },

    async putStream(bucket, key, body, opts) {
      await refuseExisting("putStream", bucket, key, opts);
      let sourceError: unknown;
      const counter = new ByteCounter();
      body.once("error", (error) => {
        sourceError = error;
        counter.destroy(error);
      });
      body.pipe(counter);
      const upload = new Upload({
        client,
        params: { ...putParams(bucket, key, opts), Body: counter },
        partSize,
        queueSize,
        leavePartsOnError: false,
      });
      try {
        const out = await upload.done();
        const info: ObjectInfo = { key, size: counter.bytes };
        const etag = stripQuotes(out.ETag);
        if (etag !== undefined) info.etag = etag;
        return info;
      } catch (error) {
        // The body failing (say, its database went away) is the real cause, not S3.
        if (sourceError !== undefined) throw sourceError;
        throw toObjectStoreError(error, "putStream", bucket, key);
      } finally {
        if (!body.destroyed && sourceError === undefined && !body.readableEnded) body.destroy();
      }
    },

    get(bucket, key) {
      return call("get", bucket, key, async () => {
        const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        if (!out.Body) return new Uint8Array();
        return await out.Body.transformToByteArray();
      });
    },

    getStream(bucket, key) {
      return call("getStream", bucket, key, async () => {
        const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        const body = out.Body;
        if (!(body instanceof Readable)) return Readable.from([]);
        // Errors while the body streams (a reset connection) become TransientErrors naming the object.
        const stream = new PassThrough();
        body.once("error", (error) => {
          stream.destroy(
            new TransientError(`getStream ${objectUrl(bucket, key)}: body failed: ${messageOf(error)}`, {
              cause: error,
            }),
          );
        });
        stream.once("close", () => body.destroy());
        body.pipe(stream);
        return stream;
      });
    },

    head,

    async *list(bucket, prefix) {
      const pages = paginateListObjectsV2({ client }, { Bucket: bucket, Prefix: prefix });
      const iterator = pages[Symbol.asyncIterator]();
      for (;;) {
        let page: Awaited<ReturnType<typeof iterator.next>>;
        try {
          page = await iterator.next();
        } catch (error) {
          throw toObjectStoreError(error, "list", bucket, prefix);
        }
        if (page.done) return;
        for (const object of page.value.Contents ?? []) {
          if (object.Key === undefined) continue;
          const info: ObjectInfo = { key: object.Key, size: object.Size ?? 0 };
          const etag = stripQuotes(object.ETag);
          if (etag !== undefined) info.etag = etag;
          if (object.LastModified !== undefined) info.lastModified = object.LastModified;
          yield info;
        }
      }
    },

    async copy(bucket, fromKey, toKey, toBucket) {
      await call("copy", bucket, fromKey, () =>
        client.send(
          new CopyObjectCommand({
            Bucket: toBucket ?? bucket,
            Key: toKey,
            CopySource: copySource(bucket, fromKey, localServer),
          }),
        ),
      );
    },

    async delete(bucket, key) {
      await call("delete", bucket, key, () =>
        client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })),
      );
    },
  };
}
