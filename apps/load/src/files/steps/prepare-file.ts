import { createHash } from "node:crypto";
import { once } from "node:events";
import { PassThrough, pipeline, type Readable, Transform } from "node:stream";
import { createGunzip, createGzip } from "node:zlib";
import { fixedWidthToCsv, type TableColumn } from "@etl/db/file-load";
import { delimitedOptions, type FileRule } from "@etl/db/rules";
import type { ObjectStore } from "@etl/s3-io";
import { readParquetSchema } from "@etl/s3-io/parquet-read";
import { DataError, messageOf } from "@etl/schemas";
import { fittedName, processingKey } from "./destinations";
import { checkHeader, checkNumbers, fitRecord, fixedLayout, jsonSources, Rejection } from "./record-checks";
import { charsAt, isBlank, readRecords } from "./records";

/** A file's records written where the load (or, split, the next rules) will read them. */
export interface PreparedPart {
  /** The processing copy in the landing bucket. */
  key: string;
  records: number;
  /** Split only: the record type and where the part lands for its own rule. */
  type?: string;
  landingKey?: string;
}

export type Preparation =
  | { kind: "prepared"; sha256: string; bytes: number; records: number; parts: PreparedPart[] }
  /** The file breaks the rule (header, trailer, record types, compression, Parquet columns): ABORTED. */
  | { kind: "rejected"; code: string; reason: string; details?: Record<string, unknown> };

export interface PrepareInput {
  store: ObjectStore;
  bucket: string;
  key: string;
  rule: FileRule;
  id: string;
  /** The landed file's name, for the split parts' landing keys (`<to><type>/<id>-<name>`). */
  name: string;
  /** The target's columns and types: a JSON Lines number too big for a double may stay text. */
  columns?: readonly TableColumn[];
}

/** Most record types a split may produce: each part is an upload in flight. */
export const MAX_SPLIT_PARTS = 16;
const WRITE_CHUNK = 256 * 1024;
const NEWLINE = Buffer.from("\n");

interface PartWriter {
  records: number;
  write(record: Buffer): Promise<void>;
  close(): Promise<void>;
}

/** Streams records into one object (gzip when asked), in chunks, honouring back-pressure. */
function partWriter(store: ObjectStore, bucket: string, key: string, gzip: boolean): PartWriter {
  const input = new PassThrough();
  const body: Readable = gzip ? pipeline(input, createGzip(), () => undefined) : input;
  const done = store.putStream(bucket, key, body, {
    contentType: "text/plain; charset=utf-8",
    ...(gzip ? { contentEncoding: "gzip" } : {}),
  });
  done.catch(() => undefined);
  const ended = done.then(() => {
    throw new Error(`upload of ${key} ended before its body`);
  });
  ended.catch(() => undefined);
  let buffered: Buffer[] = [];
  let size = 0;
  const flush = async () => {
    if (size === 0) return;
    const chunk = Buffer.concat(buffered, size);
    buffered = [];
    size = 0;
    if (!input.write(chunk)) await Promise.race([once(input, "drain"), ended]);
  };
  return {
    records: 0,
    async write(record) {
      this.records++;
      buffered.push(record, NEWLINE);
      size += record.length + 1;
      if (size >= WRITE_CHUNK) await flush();
    },
    async close() {
      await flush();
      input.end();
      await done;
    },
  };
}

/** The object's bytes, hashed and counted as they pass, inflated when gzip. */
async function openText(input: PrepareInput) {
  const raw = await input.store.getStream(input.bucket, input.key);
  const hash = createHash("sha256");
  const counted = { bytes: 0 };
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      counted.bytes += chunk.length;
      callback(null, chunk);
    },
  });
  const text: Readable =
    input.rule.compression === "gzip"
      ? pipeline(raw, tap, createGunzip(), () => undefined)
      : pipeline(raw, tap, () => undefined);
  return { text, hash, counted };
}

const isZlibError = (error: unknown) =>
  typeof (error as { code?: unknown }).code === "string" && (error as { code: string }).code.startsWith("Z_");

/**
 * Reads a line-format file once: skips the header lines, holds the last record back as the
 * trailer and checks its count, drops blank lines, and writes the records to the processing
 * copy, or, when the rule splits, one processing part per record type. Nothing is written under
 * `landing/` here: the parts land only after the whole file passed its checks.
 */
async function prepareLines(input: PrepareInput): Promise<Preparation> {
  const { rule } = input;
  const gzip = rule.compression === "gzip";
  const dialect = delimitedOptions(rule);
  const quoting =
    rule.format === "csv" || rule.format === "delimited"
      ? { quote: dialect.quote, escape: dialect.escape }
      : {};
  const layout = fixedLayout(rule);
  const widths = (rule.columns ?? []).map((c) => c.width ?? 0);
  const { text, hash, counted } = await openText(input);
  const writers = new Map<string, PartWriter>();
  const parts: PreparedPart[] = [];
  const writerFor = (type: string): PartWriter => {
    let writer = writers.get(type);
    if (writer) return writer;
    if (writers.size >= MAX_SPLIT_PARTS)
      throw new Rejection("TOO_MANY_TYPES", `the file has more than ${MAX_SPLIT_PARTS} record types`);
    const key = processingKey(
      rule.prefixes.processing,
      rule.name,
      input.id,
      layout ? "csv" : rule.format,
      gzip,
      type || undefined,
    );
    writer = partWriter(input.store, input.bucket, key, gzip);
    writers.set(type, writer);
    parts.push({
      key,
      records: 0,
      // The part's name starts with the version's id: two landed files of one name never
      // overwrite each other's parts while those wait for their own load.
      ...(rule.split
        ? {
            type,
            landingKey: `${rule.split.to}${type}/${fittedName(`${rule.split.to}${type}/`, `${input.id.slice(0, 12)}-${input.name}`)}`,
          }
        : {}),
    });
    return writer;
  };
  let line = 0;
  let records = 0;
  let held: { record: Buffer; line: number } | undefined;
  const headers: Buffer[] = [];
  const json = rule.format === "jsonl" && !rule.split ? jsonSources(input.rule, input.columns) : undefined;
  const take = async (raw: Buffer, at: number) => {
    records++;
    let record = raw;
    // A fixed-width record is written as a CSV line of its fields, trimmed on both sides: both
    // warehouses load that copy as CSV. Redshift's FIXEDWIDTH would count the widths in bytes
    // (the rule counts characters) and its TRIMBLANKS trims only trailing blanks.
    if (layout)
      record = Buffer.from(
        fixedWidthToCsv(fitRecord(record, at, layout).toString("utf8"), widths).slice(0, -1),
      );
    if (json) record = checkNumbers(record, { record: records, line: at }, json);
    const split = rule.split;
    if (!split) return writerFor("").write(record);
    const type = charsAt(record, split.start, split.end).trim();
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(type))
      throw new Rejection(
        "BAD_RECORD_TYPE",
        `record ${records} has record type ${JSON.stringify(type)} at ${split.start}:${split.end}, which is not a name`,
      );
    if (split.types && !split.types.includes(type))
      throw new Rejection(
        "UNKNOWN_RECORD_TYPE",
        `record ${records} has record type ${type}, not one of ${split.types.join(", ")}`,
      );
    return writerFor(type).write(record);
  };
  try {
    try {
      for await (const record of readRecords(text, quoting)) {
        line++;
        if (line <= rule.headerLines) {
          headers.push(record);
          if (line === rule.headerLines) checkHeader(rule, headers);
          continue;
        }
        if (isBlank(record)) continue;
        if (rule.trailer) {
          if (held) await take(held.record, held.line);
          held = { record, line };
        } else await take(record, line);
      }
    } catch (error) {
      if (isZlibError(error))
        throw new Rejection("BAD_COMPRESSION", `the file is not valid gzip: ${messageOf(error)}`);
      throw error;
    }
    if (line < rule.headerLines)
      throw new Rejection(
        "MISSING_HEADER",
        `the file has ${line} lines, the rule expects ${rule.headerLines} header lines`,
      );
    if (rule.trailer) {
      const { start, end } = rule.trailer;
      if (!held) throw new Rejection("MISSING_TRAILER", "the file has no trailer line");
      const field = charsAt(held.record, start, end).trim();
      if (!/^\d{1,15}$/.test(field))
        throw new Rejection(
          "BAD_TRAILER",
          `the trailer has no record count at ${start}:${end}: ${JSON.stringify(held.record.toString("utf8").slice(0, 80))}`,
        );
      const expected = Number(field);
      if (expected !== records)
        throw new Rejection(
          "TRAILER_MISMATCH",
          `the trailer says ${expected} records, the file has ${records}`,
          { trailerCount: expected, records },
        );
    }
    // A file with no records still gets its (empty) processing copy: an empty load is a load.
    if (!rule.split && writers.size === 0) writerFor("");
    for (const writer of writers.values()) await writer.close();
    parts.forEach((part, i) => {
      part.records = [...writers.values()][i]?.records ?? 0;
    });
    return { kind: "prepared", sha256: hash.digest("hex"), bytes: counted.bytes, records, parts };
  } catch (error) {
    text.destroy();
    // Close what was started and remove it: a rejected file leaves no processing parts behind.
    await Promise.allSettled([...writers.values()].map((w) => w.close()));
    await Promise.allSettled(parts.map((p) => input.store.delete(input.bucket, p.key)));
    if (error instanceof Rejection)
      return {
        kind: "rejected",
        code: error.code,
        reason: error.reason,
        ...(error.details ? { details: error.details } : {}),
      };
    throw error;
  }
}

/**
 * A Parquet file is read whole: its footer must list the rule's columns (source names) in order,
 * since Redshift maps Parquet columns by position. The processing copy is the same bytes.
 */
async function prepareParquet(input: PrepareInput): Promise<Preparation> {
  const bytes = await input.store.get(input.bucket, input.key);
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  let schema: ReturnType<typeof readParquetSchema>;
  try {
    schema = readParquetSchema(bytes);
  } catch (error) {
    if (error instanceof DataError) return { kind: "rejected", code: "BAD_PARQUET", reason: error.message };
    throw error;
  }
  const expected = (input.rule.columns ?? []).map((c) => c.source ?? c.name ?? "");
  const actual = schema.columns.map((c) => c.name);
  if (actual.join("\u0000") !== expected.join("\u0000")) {
    return {
      kind: "rejected",
      code: "PARQUET_COLUMNS",
      reason: `the Parquet columns are ${actual.join(", ")}; the rule expects ${expected.join(", ")}`,
      details: { actual, expected },
    };
  }
  const key = processingKey(input.rule.prefixes.processing, input.rule.name, input.id, "parquet", false);
  await input.store.put(input.bucket, key, bytes, { contentType: "application/vnd.apache.parquet" });
  return {
    kind: "prepared",
    sha256,
    bytes: bytes.byteLength,
    records: schema.rows,
    parts: [{ key, records: schema.rows }],
  };
}

/** Checks a landed file against its rule and writes what will be loaded (or split). */
export function prepareFile(input: PrepareInput): Promise<Preparation> {
  return input.rule.format === "parquet" ? prepareParquet(input) : prepareLines(input);
}
