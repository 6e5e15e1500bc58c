import { createHash, type Hash } from "node:crypto";
import { once } from "node:events";
import { pipeline, type Readable } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import { createGunzip, createGzip, type Gzip, type ZlibOptions } from "node:zlib";
import { DataError, messageOf } from "@etl/schemas";
import { objectUrl } from "./errors";
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

/** One line of a JSON Lines object: its 1-based number and the parsed value. */
export interface JsonLine {
  lineNumber: number;
  value: unknown;
}

/** A line that is not JSON, or an object that is not valid gzip. */
export class JsonLinesError extends DataError {
  readonly bucket: string;
  readonly key: string;
  readonly lineNumber: number | undefined;

  constructor(message: string, where: { bucket: string; key: string; lineNumber?: number; cause?: unknown }) {
    super(message, { code: "BAD_JSON_LINES", cause: where.cause });
    this.bucket = where.bucket;
    this.key = where.key;
    this.lineNumber = where.lineNumber;
  }
}

export interface ReadJsonLinesOptions {
  /** `auto` (default): gunzip when the key ends with `.gz`. */
  compression?: "auto" | "gzip" | "none";
}

const isZlibError = (error: unknown) =>
  typeof error === "object" && error !== null && String((error as { code?: unknown }).code).startsWith("Z_");

/**
 * Streams a JSON Lines object in batches of parsed lines (one batch per chunk read), which keeps
 * per-row promises out of hot loops. A bad line throws a `JsonLinesError` naming key and line.
 */
export async function* readJsonLineBatches(
  store: ObjectStore,
  bucket: string,
  key: string,
  options: ReadJsonLinesOptions = {},
): AsyncGenerator<JsonLine[]> {
  const compression = options.compression ?? "auto";
  const gzip = compression === "gzip" || (compression === "auto" && key.endsWith(".gz"));
  const raw = await store.getStream(bucket, key);
  const source: Readable = gzip ? pipeline(raw, createGunzip({ chunkSize: 64 * 1024 }), () => {}) : raw;
  const decoder = new StringDecoder("utf8");
  const where = objectUrl(bucket, key);
  let rest = "";
  let lineNumber = 0;

  const parse = (line: string, batch: JsonLine[]) => {
    lineNumber += 1;
    const text = line.endsWith("\r") ? line.slice(0, -1) : line;
    if (text.trim() === "")
      throw new JsonLinesError(`${where} line ${lineNumber}: empty line`, { bucket, key, lineNumber });
    try {
      batch.push({ lineNumber, value: JSON.parse(text) });
    } catch (error) {
      throw new JsonLinesError(`${where} line ${lineNumber}: invalid JSON: ${messageOf(error)}`, {
        bucket,
        key,
        lineNumber,
        cause: error,
      });
    }
  };

  try {
    for await (const chunk of source) {
      const text = rest + decoder.write(chunk as Buffer);
      const lines = text.split("\n");
      rest = lines.pop() ?? "";
      if (lines.length === 0) continue;
      const batch: JsonLine[] = [];
      for (const line of lines) parse(line, batch);
      yield batch;
    }
    rest += decoder.end();
    if (rest !== "") {
      const batch: JsonLine[] = [];
      parse(rest, batch);
      yield batch;
    }
  } catch (error) {
    if (isZlibError(error)) {
      throw new JsonLinesError(`${where}: not valid gzip: ${messageOf(error)}`, {
        bucket,
        key,
        cause: error,
      });
    }
    throw error;
  } finally {
    source.destroy();
  }
}

export interface ReadLineChunksOptions extends ReadJsonLinesOptions {
  /** Decompressed bytes per chunk read from zlib (default 256 KiB). */
  chunkBytes?: number;
  /** Decompressed bytes zlib may hold ready ahead of the reader (default 4 MiB). */
  readAheadBytes?: number;
}

/**
 * Streams a JSON Lines object as buffers of whole lines: every buffer ends with `\n` except the
 * last one of an object whose last line has none, and no line spans two buffers. Bytes are
 * decompressed (gzip when the key ends with `.gz`) but neither decoded nor parsed: this is for a
 * reader that scans bytes itself. zlib inflates ahead on the thread pool while the reader works.
 * An object that is not valid gzip throws a `JsonLinesError`.
 *
 * @example
 * for await (const chunk of readLineChunks(store, bucket, key)) {
 *   for (let at = 0; at < chunk.length; ) { const end = chunk.indexOf(10, at); ... }
 * }
 */
export async function* readLineChunks(
  store: ObjectStore,
  bucket: string,
  key: string,
  options: ReadLineChunksOptions = {},
): AsyncGenerator<Buffer> {
  const compression = options.compression ?? "auto";
  const gzip = compression === "gzip" || (compression === "auto" && key.endsWith(".gz"));
  const raw = await store.getStream(bucket, key);
  const source: Readable = gzip
    ? pipeline(
        raw,
        // zlib's options reach its Transform stream, whose read-ahead the types do not list.
        createGunzip({
          chunkSize: options.chunkBytes ?? 1024 * 1024,
          readableHighWaterMark: options.readAheadBytes ?? 4 * 1024 * 1024,
        } as ZlibOptions),
        () => {},
      )
    : raw;
  let rest: Buffer | undefined;
  try {
    for await (const data of source) {
      const chunk = data as Buffer;
      const last = chunk.lastIndexOf(10);
      if (last === -1) {
        rest = rest === undefined ? chunk : Buffer.concat([rest, chunk]);
        continue;
      }
      let from = 0;
      if (rest !== undefined) {
        // The line that spans the previous chunk and this one, alone: no copy of the whole chunk.
        const first = chunk.indexOf(10);
        yield Buffer.concat([rest, chunk.subarray(0, first + 1)]);
        rest = undefined;
        from = first + 1;
      }
      if (last + 1 > from) yield chunk.subarray(from, last + 1);
      if (last + 1 < chunk.length) rest = chunk.subarray(last + 1);
    }
    if (rest !== undefined && rest.length > 0) yield rest;
  } catch (error) {
    if (isZlibError(error)) {
      throw new JsonLinesError(`${objectUrl(bucket, key)}: not valid gzip: ${messageOf(error)}`, {
        bucket,
        key,
        cause: error,
      });
    }
    throw error;
  } finally {
    source.destroy();
  }
}

/**
 * Streams a JSON Lines object line by line as `{ lineNumber, value }`; gzip when the key ends
 * with `.gz`. Values are exactly what `JSON.parse` returns: validate them with the table's schema.
 *
 * @example
 * for await (const { lineNumber, value } of readJsonLines(store, bucket, key)) { ... }
 */
export async function* readJsonLines(
  store: ObjectStore,
  bucket: string,
  key: string,
  options: ReadJsonLinesOptions = {},
): AsyncGenerator<JsonLine> {
  for await (const batch of readJsonLineBatches(store, bucket, key, options)) yield* batch;
}
