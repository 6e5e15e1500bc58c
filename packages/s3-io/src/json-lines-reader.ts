import { pipeline, type Readable } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import { createGunzip, type ZlibOptions } from "node:zlib";
import { DataError, messageOf } from "@etl/schemas";
import { objectUrl } from "./errors";
import type { ObjectStore } from "./object-store";

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
