import { gunzipSync } from "node:zlib";
import { type ObjectStore, objectUrl } from "@etl/s3-io";
import {
  DataError,
  deletionTarget,
  type RawDeletionEntry,
  type RawRunManifest,
  SOURCE_TABLES,
  type SourceTable,
  STAR_TABLE_NAMES,
  type StarDeletion,
} from "@etl/schemas";
import { sha256Hex } from "./put-immutable";

/** The keys of one source table deleted at the source, as the raw run declares them. */
export interface SourceDeletion {
  table: SourceTable;
  /** Ascending, distinct. */
  keys: number[];
  detectedAt: string;
}

/**
 * Reads the deleted keys a raw run declares (`deletions`): each file's size and SHA-256 must be
 * the manifest's, each line `{"<primary key>": <id>}`, and the count the manifest's; anything
 * else is a `DataError` naming the file and line.
 */
export async function readDeletions(
  store: ObjectStore,
  bucket: string,
  raw: RawRunManifest,
): Promise<SourceDeletion[]> {
  const read: SourceDeletion[] = [];
  for (const entry of raw.deletions ?? []) read.push(await readDeletion(store, bucket, entry));
  return read;
}

async function readDeletion(
  store: ObjectStore,
  bucket: string,
  entry: RawDeletionEntry,
): Promise<SourceDeletion> {
  const where = `${entry.table} ${objectUrl(bucket, entry.file.key)}`;
  const bad = (message: string) => new DataError(`${where}: ${message}`, { code: "BAD_RAW_DELETIONS" });
  const body = await store.get(bucket, entry.file.key);
  if (body.byteLength !== entry.file.bytes || sha256Hex(body) !== entry.file.sha256) {
    throw bad("size or SHA-256 differs from the raw manifest's");
  }
  const pk = SOURCE_TABLES[entry.table];
  const keys = new Set<number>();
  const lines = gunzipSync(body).toString("utf8").split("\n");
  lines.forEach((line, i) => {
    if (line === "") return;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch {
      throw bad(`line ${i + 1}: not JSON`);
    }
    const id = typeof row === "object" && row !== null ? (row as Record<string, unknown>)[pk] : undefined;
    if (
      typeof id !== "number" ||
      !Number.isSafeInteger(id) ||
      id < 0 ||
      Object.keys(row as object).length !== 1
    ) {
      throw bad(`line ${i + 1}: expected {"${pk}": <id>}`);
    }
    keys.add(id);
  });
  if (keys.size !== entry.file.rows) throw bad(`${keys.size} keys, the raw manifest says ${entry.file.rows}`);
  return { table: entry.table, keys: [...keys].sort((a, b) => a - b), detectedAt: entry.detectedAt };
}

/**
 * The processed manifest's `deletions`: each source table's keys under the star table its rows
 * become (`deletionTarget`), in load order. A department has no star row: its deletion only
 * leaves the reference state. Pure.
 */
export function toStarDeletions(deletions: readonly SourceDeletion[]): StarDeletion[] {
  return deletions
    .flatMap((d) => {
      const target = deletionTarget(d.table);
      return target ? [{ table: target.table, keys: d.keys, deletedAt: d.detectedAt }] : [];
    })
    .sort((a, b) => STAR_TABLE_NAMES.indexOf(a.table) - STAR_TABLE_NAMES.indexOf(b.table));
}
