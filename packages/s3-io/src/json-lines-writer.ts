import { createHash, type Hash } from "node:crypto";
import { once } from "node:events";
import { createGzip, type Gzip } from "node:zlib";
import { DataError } from "@etl/schemas";
import type { ObjectStore, PutOptions } from "./object-store";

/** One object a JSON Lines writer produced, as the run manifest lists it. */
export interface JsonLinesPart {
  /** Numbered from 1, in write order. */
  partNumber: number;
  key: string;
  rows: number;
  /** Size of the object (gzip bytes). */
  bytes: number;
  /** Size of the JSON Lines text before compression. */
  uncompressedBytes: number;
  /** SHA-256 of the object's bytes, lower-case hex. */
  sha256: string;
}

export interface JsonLinesWriterOptions {
  store: ObjectStore;
  bucket: string;
  /** The key of part `partNumber` (from 1), e.g. `(n) => rawDataKey(table, runId, n)`. */
  keyForPart: (partNumber: number) => string;
  /** A part is closed before a line would take it past this many uncompressed bytes. */
  maxPartBytes: number;
  /** zlib level, 1 (fast) to 9 (small); default 3, see the package README for the measurements. */
  gzipLevel?: number;
  /** Default `{ contentType: "application/x-ndjson", ifNoneMatch: true }`: objects are never overwritten. */
  putOptions?: PutOptions;
}

/**
 * Writes rows as gzip JSON Lines parts. Memory stays bounded by about two compressed parts: the
 * part being compressed and, at most, the previous one still uploading.
 *
 * `write` returns `undefined` when the caller may go on at once and a promise when it must wait
 * (compression backlog, or a part being closed); this keeps promises off the per-row path:
 *
 * @example
 * const writer = createJsonLinesWriter({ store, bucket, keyForPart: (n) => rawDataKey(t, runId, n), maxPartBytes });
 * for (const row of rows) {
 *   const wait = writer.write(row);
 *   if (wait) await wait;
 * }
 * const parts = await writer.close(); // [] when no row was written: no object at all
 */
export interface JsonLinesWriter {
  write(row: unknown): Promise<void> | undefined;
  /** Writes a batch with at most one await per compression chunk. */
  writeBatch(rows: readonly unknown[]): Promise<void>;
  /** Closes the last part, waits for every upload and returns the parts in order. */
  close(): Promise<JsonLinesPart[]>;
  /** Drops the part being written; objects already uploaded stay (no manifest lists them). */
  abort(): void;
  /** Rows written so far. */
  readonly rows: number;
}

/** Lines are handed to zlib in chunks of this many characters... */
const FLUSH_CHARS = 256 * 1024;
/** ...and the writer waits once zlib has this many bytes queued. */
const MAX_QUEUED_BYTES = 4 * 1024 * 1024;

interface OpenPart {
  gzip: Gzip;
  hash: Hash;
  chunks: Buffer[];
  bytes: number;
  error: unknown;
}

function openPart(level: number): OpenPart {
  const part: OpenPart = {
    gzip: createGzip({ level, chunkSize: 64 * 1024 }),
    hash: createHash("sha256"),
    chunks: [],
    bytes: 0,
    error: undefined,
  };
  part.gzip.on("data", (chunk: Buffer) => {
    part.chunks.push(chunk);
    part.hash.update(chunk);
    part.bytes += chunk.length;
  });
  part.gzip.on("error", (error) => {
    part.error = error;
  });
  return part;
}

export function createJsonLinesWriter(options: JsonLinesWriterOptions): JsonLinesWriter {
  const { store, bucket, keyForPart, maxPartBytes } = options;
  const level = options.gzipLevel ?? 3;
  const putOptions: PutOptions = options.putOptions ?? {
    contentType: "application/x-ndjson",
    ifNoneMatch: true,
  };
  const parts: JsonLinesPart[] = [];
  let part: OpenPart | undefined;
  let pending = "";
  let partRows = 0;
  let partBytes = 0;
  let totalRows = 0;
  let nextPartNumber = 1;
  let uploading: Promise<void> | undefined;
  let failure: unknown;
  let closed = false;
  let closingPart = false;

  const check = () => {
    if (failure !== undefined) throw failure;
    if (closed) throw new Error("JSON Lines writer is closed");
    if (closingPart)
      throw new Error("JSON Lines writer: await the promise write() returned before writing again");
  };

  /** Hands the buffered lines to zlib; a promise only when zlib is too far behind. */
  const flush = (): Promise<void> | undefined => {
    if (pending.length === 0) return undefined;
    part ??= openPart(level);
    part.gzip.write(pending);
    pending = "";
    if (part.gzip.writableLength > MAX_QUEUED_BYTES) return once(part.gzip, "drain").then(() => undefined);
    return undefined;
  };

  const finishPart = async (): Promise<void> => {
    const wait = flush();
    if (wait) await wait;
    const current = part;
    if (!current || partRows === 0) return;
    current.gzip.end();
    await once(current.gzip, "end");
    if (current.error !== undefined) throw current.error;
    const partNumber = nextPartNumber;
    nextPartNumber += 1;
    const done: JsonLinesPart = {
      partNumber,
      key: keyForPart(partNumber),
      rows: partRows,
      bytes: current.bytes,
      uncompressedBytes: partBytes,
      sha256: current.hash.digest("hex"),
    };
    const body = Buffer.concat(current.chunks, current.bytes);
    part = undefined;
    partRows = 0;
    partBytes = 0;
    // One upload in flight at a time: memory stays bounded while the next part compresses.
    if (uploading) await uploading;
    if (failure !== undefined) throw failure;
    uploading = store.put(bucket, done.key, body, putOptions).then(
      () => {
        parts.push(done);
        uploading = undefined;
      },
      (error: unknown) => {
        failure = error;
        uploading = undefined;
      },
    );
  };

  const append = (line: string, size: number): Promise<void> | undefined => {
    pending += `${line}\n`;
    partBytes += size;
    partRows += 1;
    totalRows += 1;
    return pending.length >= FLUSH_CHARS ? flush() : undefined;
  };

  const write = (row: unknown): Promise<void> | undefined => {
    check();
    const line = JSON.stringify(row);
    if (line === undefined) throw new DataError(`row ${totalRows + 1} is not JSON (${typeof row})`);
    const size = Buffer.byteLength(line, "utf8") + 1;
    if (partRows > 0 && partBytes + size > maxPartBytes) {
      closingPart = true;
      return finishPart()
        .finally(() => {
          closingPart = false;
        })
        .then(() => append(line, size));
    }
    return append(line, size);
  };

  return {
    get rows() {
      return totalRows;
    },
    write,
    async writeBatch(rows) {
      for (const row of rows) {
        const wait = write(row);
        if (wait) await wait;
      }
    },
    async close() {
      check();
      await finishPart();
      if (uploading) await uploading;
      closed = true;
      if (failure !== undefined) throw failure;
      return parts;
    },
    abort() {
      closed = true;
      part?.gzip.destroy();
      part = undefined;
      pending = "";
    },
  };
}

/**
 * Writes every row of `rows` as gzip JSON Lines parts and returns the parts (none for no rows).
 *
 * @example
 * const parts = await writeJsonLines(streamRows(), { store, bucket, keyForPart, maxPartBytes: 64 << 20 });
 */
export async function writeJsonLines(
  rows: AsyncIterable<unknown> | Iterable<unknown>,
  options: JsonLinesWriterOptions,
): Promise<JsonLinesPart[]> {
  const writer = createJsonLinesWriter(options);
  try {
    for await (const row of rows) {
      const wait = writer.write(row);
      if (wait) await wait;
    }
    return await writer.close();
  } catch (error) {
    writer.abort();
    throw error;
  }
}
