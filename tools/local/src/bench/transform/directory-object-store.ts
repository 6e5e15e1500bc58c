import { createReadStream, createWriteStream } from "node:fs";
import { copyFile, mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { ObjectExistsError, type ObjectInfo, ObjectNotFoundError, type ObjectStore } from "@etl/s3-io";

const isMissing = (error: unknown) => (error as { code?: string }).code === "ENOENT";

/**
 * An `ObjectStore` over a local directory (a bucket is a sub-directory, a key a relative path),
 * so the benchmark reads and writes plain files that DuckDB can read too. Not for production:
 * `ifNoneMatch` is a check before the write, not atomic.
 */
export function createDirectoryObjectStore(root: string): ObjectStore {
  const path = (bucket: string, key: string) => join(root, bucket, ...key.split("/"));
  const info = async (bucket: string, key: string): Promise<ObjectInfo | undefined> => {
    try {
      const s = await stat(path(bucket, key));
      return s.isFile() ? { key, size: s.size, lastModified: s.mtime } : undefined;
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  };
  const refuse = async (
    operation: "put" | "putStream",
    bucket: string,
    key: string,
    ifNoneMatch?: boolean,
  ) => {
    if (ifNoneMatch && (await info(bucket, key))) throw new ObjectExistsError({ operation, bucket, key });
    await mkdir(dirname(path(bucket, key)), { recursive: true });
  };
  async function* walk(dir: string): AsyncGenerator<string> {
    let entries: import("node:fs").Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if (isMissing(error)) return;
      throw error;
    }
    for (const entry of entries) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) yield* walk(full);
      else if (entry.isFile()) yield full;
    }
  }
  return {
    async put(bucket, key, body, options) {
      await refuse("put", bucket, key, options?.ifNoneMatch);
      await writeFile(path(bucket, key), body);
      return { key, size: typeof body === "string" ? Buffer.byteLength(body) : body.byteLength };
    },
    async putStream(bucket, key, body: Readable, options) {
      await refuse("putStream", bucket, key, options?.ifNoneMatch);
      await pipeline(body, createWriteStream(path(bucket, key)));
      return { key, size: (await stat(path(bucket, key))).size };
    },
    async get(bucket, key) {
      try {
        return new Uint8Array(await readFile(path(bucket, key)));
      } catch (error) {
        if (isMissing(error)) throw new ObjectNotFoundError({ operation: "get", bucket, key });
        throw error;
      }
    },
    async getStream(bucket, key) {
      if (!(await info(bucket, key))) throw new ObjectNotFoundError({ operation: "getStream", bucket, key });
      return createReadStream(path(bucket, key), { highWaterMark: 256 * 1024 });
    },
    head: info,
    async *list(bucket, prefix) {
      const keys: string[] = [];
      for await (const file of walk(join(root, bucket))) {
        const key = relative(join(root, bucket), file).split(sep).join("/");
        if (key.startsWith(prefix)) keys.push(key);
      }
      for (const key of keys.sort()) {
        const found = await info(bucket, key);
        if (found) yield found;
      }
    },
    async copy(bucket, fromKey, toKey, toBucket) {
      await mkdir(dirname(path(toBucket ?? bucket, toKey)), { recursive: true });
      await copyFile(path(bucket, fromKey), path(toBucket ?? bucket, toKey));
    },
    async delete(bucket, key) {
      await rm(path(bucket, key), { force: true });
    },
  };
}
