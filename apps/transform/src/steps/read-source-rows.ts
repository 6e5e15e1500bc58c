import { createHash } from "node:crypto";
import { PassThrough } from "node:stream";
import { JsonLinesError, type ObjectStore, readJsonLineBatches, readLineChunks } from "@etl/s3-io";
import { type ManifestFile, messageOf, SOURCE_SCHEMAS, type SourceRow, type SourceTable } from "@etl/schemas";
import type { z } from "zod";
import { RawDataError } from "../errors";

/** Parsed rows of consecutive lines of a raw file: `rows[i]` is line `firstLine + i`. */
export interface SourceBatch<T extends SourceTable> {
  rows: SourceRow<T>[];
  firstLine: number;
}

type Issue = z.core.$ZodIssue;

/** The column an issue is about and what is wrong with it, in words a person can act on. */
function describeIssue(value: unknown, issue: Issue): { column?: string; problem: string } {
  if (issue.code === "unrecognized_keys") {
    return {
      column: issue.keys.join(", "),
      problem: `unknown column${issue.keys.length > 1 ? "s" : ""}`,
    };
  }
  const [first] = issue.path;
  if (typeof first !== "string") return { problem: issue.message };
  const present = typeof value === "object" && value !== null && Object.hasOwn(value, first);
  if (!present) return { column: first, problem: "missing column" };
  const got = JSON.stringify((value as Record<string, unknown>)[first]) ?? "undefined";
  // A union (a numeric is a string or a number) only says "Invalid input": name the alternatives.
  const message =
    issue.code === "invalid_union"
      ? `expected ${issue.errors.map((e) => e[0]?.message.replace(/^Invalid input: expected (\w+).*$/, "$1")).join(" or ")}`
      : issue.message;
  return { column: first, problem: `${message} (got ${got.length > 40 ? `${got.slice(0, 37)}...` : got})` };
}

/** Where a raw file is, for the messages of its errors. */
export interface RawFilePlace {
  bucket: string;
  key: string;
  table: string;
  /** The columns the run's manifest declares as added to the source: removed before validation. */
  addedColumns?: ReadonlySet<string>;
}

/**
 * The added columns of the raw files of streamed tables being transformed, by file key. The
 * streamed path builds each file's `RawFilePlace` itself, so what its manifest entry declares is
 * found here by the file's key (unique to a run and table) while `declareAddedColumns` holds it.
 */
const declaredByKey = new Map<string, { columns: ReadonlySet<string>; holders: number }>();

/**
 * Declares the added columns of a table's raw files until the returned release is called, for
 * the rows read through `sourceRowOf` (the reference way, which the streamed path takes for every
 * line its fast scanner gives up on: a line with a column the scanner does not know is one).
 *
 * @example
 * const release = declareAddedColumns(entry.files, entry.addedColumns);
 * try { await transformStreamedTable(...) } finally { release() }
 */
export function declareAddedColumns(
  files: readonly ManifestFile[],
  added: readonly { name: string }[] | undefined,
): () => void {
  if (added === undefined || added.length === 0) return () => undefined;
  const columns: ReadonlySet<string> = new Set(added.map((c) => c.name));
  for (const { key } of files) {
    const held = declaredByKey.get(key);
    declaredByKey.set(key, { columns, holders: (held?.holders ?? 0) + 1 });
  }
  return () => {
    for (const { key } of files) {
      const held = declaredByKey.get(key);
      if (held === undefined) continue;
      if (held.holders <= 1) declaredByKey.delete(key);
      else declaredByKey.set(key, { ...held, holders: held.holders - 1 });
    }
  };
}

/** The row without the declared added columns; the same object when there are none to remove. */
function withoutAddedColumns(value: unknown, where: RawFilePlace): unknown {
  const added =
    where.addedColumns ?? (declaredByKey.size === 0 ? undefined : declaredByKey.get(where.key)?.columns);
  if (added === undefined || typeof value !== "object" || value === null || Array.isArray(value))
    return value;
  const kept: Record<string, unknown> = {};
  for (const [column, v] of Object.entries(value)) if (!added.has(column)) kept[column] = v;
  return kept;
}

/** The row a parsed JSON line holds, validated with the table's source schema. */
export function sourceRowOf<T extends SourceTable>(
  table: T,
  value: unknown,
  where: RawFilePlace,
  lineNumber: number,
): SourceRow<T> {
  const result = SOURCE_SCHEMAS[table].safeParse(withoutAddedColumns(value, where));
  if (!result.success) {
    const issue = result.error.issues[0];
    const { column, problem } = issue
      ? describeIssue(value, issue)
      : { column: undefined, problem: "invalid row" };
    // Ingest writes every row of a table with the same columns and declares those the contract
    // does not know: a column nobody declared is the file disagreeing with its manifest.
    const scope = issue?.code === "unrecognized_keys" ? "file" : "row";
    throw new RawDataError(problem, { ...where, lineNumber, column }, { scope });
  }
  return result.data as SourceRow<T>;
}

/**
 * One raw line read the reference way: `JSON.parse` (one trailing `\r` dropped) and the table's
 * source schema. A blank line, a line that is not JSON or a row the schema refuses throws a
 * `RawDataError` naming the file, the line and the column.
 */
export function parseSourceLine<T extends SourceTable>(
  table: T,
  line: string,
  where: RawFilePlace,
  lineNumber: number,
): SourceRow<T> {
  const text = line.endsWith("\r") ? line.slice(0, -1) : line;
  if (text.trim() === "") throw new RawDataError("empty line", { ...where, lineNumber });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new RawDataError(`invalid JSON: ${messageOf(error)}`, { ...where, lineNumber }, { cause: error });
  }
  return sourceRowOf(table, value, where, lineNumber);
}

/** The store, with the bytes of every object read hashed and counted as they stream past. */
function hashingStore(store: ObjectStore): {
  store: ObjectStore;
  digest: () => { bytes: number; sha256: string };
} {
  const hash = createHash("sha256");
  let bytes = 0;
  return {
    store: {
      ...store,
      async getStream(b, k) {
        const source = await store.getStream(b, k);
        const tee = new PassThrough();
        source.on("data", (chunk: Buffer) => {
          hash.update(chunk);
          bytes += chunk.length;
        });
        source.once("error", (error) => tee.destroy(error));
        return source.pipe(tee);
      },
    },
    digest: () => ({ bytes, sha256: hash.digest("hex") }),
  };
}

/** The file's row count, size and SHA-256 must be the manifest's. */
function checkAgainstManifest(
  file: ManifestFile,
  where: RawFilePlace,
  lines: number,
  digest: () => { bytes: number; sha256: string },
): void {
  if (lines !== file.rows) {
    throw new RawDataError(`has ${lines} rows, the run manifest says ${file.rows}`, where, {
      code: "RAW_MISMATCH",
      scope: "file",
    });
  }
  const { bytes, sha256 } = digest();
  if (bytes !== file.bytes || sha256 !== file.sha256) {
    throw new RawDataError(
      `has ${bytes} bytes with SHA-256 ${sha256}, the run manifest says ${file.bytes} bytes with ${file.sha256}`,
      where,
      { code: "RAW_MISMATCH", scope: "file" },
    );
  }
}

/** A `JsonLinesError` of the object store layer as the transform's `RawDataError`. */
function asRawDataError(error: unknown, where: RawFilePlace): unknown {
  if (!(error instanceof JsonLinesError)) return error;
  const lineNumber = error.lineNumber;
  const problem = error.message.replace(/^.*?: /, "");
  // A line the JSON Lines reader cannot split or decode out of a broken file is the file's fault.
  return new RawDataError(
    problem,
    { ...where, ...(lineNumber === undefined ? {} : { lineNumber }) },
    { cause: error, scope: "file" },
  );
}

/**
 * Streams one raw file of a run (gzip JSON Lines) as batches of rows parsed with the table's
 * source schema. Every row is validated: a line that is not JSON, a value of the wrong type, a
 * missing or unknown column throws a `RawDataError` naming the file, the line and the column.
 * At the end the file's row count, size and SHA-256 must equal the manifest's.
 */
export async function* readSourceBatches<T extends SourceTable>(
  store: ObjectStore,
  bucket: string,
  table: T,
  file: ManifestFile,
  addedColumns?: ReadonlySet<string>,
): AsyncGenerator<SourceBatch<T>> {
  const hashing = hashingStore(store);
  const where: RawFilePlace = { bucket, key: file.key, table, ...(addedColumns ? { addedColumns } : {}) };
  let lines = 0;
  try {
    for await (const batch of readJsonLineBatches(hashing.store, bucket, file.key)) {
      const first = batch[0];
      if (first === undefined) continue;
      const rows: SourceRow<T>[] = new Array(batch.length);
      for (let i = 0; i < batch.length; i++) {
        const line = batch[i];
        if (line === undefined) continue;
        rows[i] = sourceRowOf(table, line.value, where, line.lineNumber);
      }
      lines = first.lineNumber + batch.length - 1;
      yield { rows, firstLine: first.lineNumber };
    }
  } catch (error) {
    throw asRawDataError(error, where);
  }
  checkAgainstManifest(file, where, lines, hashing.digest);
}

/**
 * Streams one raw file of a run as buffers of whole lines, decompressed but not parsed (see
 * `readLineChunks`), for a reader that scans bytes itself and counts the lines it reads. When
 * the file ends, `linesRead()` and the file's size and SHA-256 must equal the manifest's, else a
 * `RawDataError`.
 */
export async function* readRawLineChunks(
  store: ObjectStore,
  bucket: string,
  table: SourceTable,
  file: ManifestFile,
  linesRead: () => number,
): AsyncGenerator<Buffer> {
  const hashing = hashingStore(store);
  const where = { bucket, key: file.key, table };
  try {
    yield* readLineChunks(hashing.store, bucket, file.key);
  } catch (error) {
    throw asRawDataError(error, where);
  }
  checkAgainstManifest(file, where, linesRead(), hashing.digest);
}

/**
 * Every row of a table's raw files, validated, in file and line order (for the small tables);
 * the columns `addedColumns` names (what the manifest declares) are removed before validation.
 */
export async function readSourceTable<T extends SourceTable>(
  store: ObjectStore,
  bucket: string,
  table: T,
  files: readonly ManifestFile[],
  addedColumns?: readonly { name: string }[],
): Promise<SourceRow<T>[]> {
  const rows: SourceRow<T>[] = [];
  const added = addedColumns?.length ? new Set(addedColumns.map((c) => c.name)) : undefined;
  for (const file of files) {
    for await (const batch of readSourceBatches(store, bucket, table, file, added)) {
      for (const row of batch.rows) rows.push(row);
    }
  }
  return rows;
}
