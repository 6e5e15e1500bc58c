import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import { type ObjectStore, rawDataKey, rawDeletionsKey, runManifestKey } from "@etl/s3-io";
import {
  type AddedColumn,
  type RawDeletionEntry,
  type RawRunManifest,
  RawRunManifestSchema,
  type RawTableEntry,
  SOURCE_TABLES,
  type SourceTable,
} from "@etl/schemas";

/** A table's content in a raw run: rows (written one JSON object a line) or raw text lines. */
export type RawTableContent = readonly object[] | { lines: readonly string[] };

export interface RawRunSpec {
  runId: string;
  tables: Partial<Record<SourceTable, RawTableContent>>;
  /** Rows per raw part (default: one part per table). */
  partRows?: number;
  /** Columns each table's manifest entry declares as added to the source (schema drift). */
  addedColumns?: Partial<Record<SourceTable, AddedColumn[]>>;
  /** Keys deleted at the source since the run before, per table (hard deletes). */
  deleted?: Partial<Record<SourceTable, readonly number[]>>;
  /** The snapshot's database time: the detection time of the deletions. */
  databaseTime?: string;
  /** The run whose key set the deletions were found against. */
  previousRunId?: string;
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/**
 * Writes a raw run the way ingest does: gzip JSON Lines parts `raw/<table>/YYYY/MM/DD/<runId>-NNNN.jsonl.gz`
 * and, last, the manifest `runs/<runId>.json` with each file's rows, bytes and SHA-256.
 */
export async function writeRawRun(
  store: ObjectStore,
  bucket: string,
  spec: RawRunSpec,
): Promise<RawRunManifest> {
  const entries: RawTableEntry[] = [];
  for (const [table, content] of Object.entries(spec.tables) as [SourceTable, RawTableContent][]) {
    const lines = "lines" in content ? [...content.lines] : content.map((row) => JSON.stringify(row));
    if (lines.length === 0) continue;
    const size = spec.partRows ?? lines.length;
    const files = [];
    for (let at = 0, part = 1; at < lines.length; at += size, part += 1) {
      const chunk = lines.slice(at, at + size);
      const body = new Uint8Array(gzipSync(`${chunk.join("\n")}\n`));
      const key = rawDataKey(table, spec.runId, part);
      await store.put(bucket, key, body, { ifNoneMatch: true });
      files.push({ key, rows: chunk.length, bytes: body.byteLength, sha256: sha256(body) });
    }
    entries.push({
      table,
      files,
      rows: lines.length,
      bytes: files.reduce((n, f) => n + f.bytes, 0),
      watermark: { from: null, to: "2024-01-01 00:00:00.000000" },
      ...(spec.addedColumns?.[table] ? { addedColumns: spec.addedColumns[table] } : {}),
    });
  }
  const deletions: RawDeletionEntry[] = [];
  const databaseTime = spec.databaseTime ?? "2024-01-01 00:00:30.000000";
  for (const [table, keys] of Object.entries(spec.deleted ?? {}) as [SourceTable, number[]][]) {
    const body = new Uint8Array(gzipSync(keys.map((id) => `{"${SOURCE_TABLES[table]}":${id}}\n`).join("")));
    const key = rawDeletionsKey(table, spec.runId);
    await store.put(bucket, key, body, { ifNoneMatch: true });
    deletions.push({
      table,
      file: { key, rows: keys.length, bytes: body.byteLength, sha256: sha256(body) },
      detectedAt: databaseTime,
      previousRunId: spec.previousRunId ?? "20240101T000000000Z-00000001",
    });
  }
  const sequence = Number(spec.runId.slice(-8));
  const manifest: RawRunManifest = {
    schemaVersion: 1,
    kind: "raw",
    runId: spec.runId,
    sequence,
    createdAt: "2024-01-01T00:00:00.000Z",
    snapshot: {
      databaseTime,
      upperBound: "2024-01-01 00:00:00.000000",
      safetyLagSeconds: 30,
    },
    tables: entries,
    ...(deletions.length > 0 ? { deletions } : {}),
  };
  await store.put(bucket, runManifestKey(spec.runId), JSON.stringify(manifest), { ifNoneMatch: true });
  return manifest;
}

/**
 * Corrects a raw file of a run that failed, the way `apps/transform/README.md` tells operators:
 * the corrected gzip JSON Lines go to a new key next to the original (`...-0001-fix1.jsonl.gz`;
 * the original stays as evidence), then the run's manifest is written again with that file's
 * entry (key, rows, bytes, SHA-256) and the table's totals. Returns the new key.
 */
export async function correctRawFile(
  store: ObjectStore,
  bucket: string,
  runId: string,
  key: string,
  lines: readonly string[],
): Promise<string> {
  const manifestKey = runManifestKey(runId);
  const manifest = RawRunManifestSchema.parse(
    JSON.parse(Buffer.from(await store.get(bucket, manifestKey)).toString("utf8")),
  );
  const body = new Uint8Array(gzipSync(`${lines.join("\n")}\n`));
  const fixedKey = key.replace(/\.jsonl\.gz$/, "-fix1.jsonl.gz");
  await store.put(bucket, fixedKey, body, { ifNoneMatch: true });
  const tables = manifest.tables.map((entry) => {
    if (!entry.files.some((f) => f.key === key)) return entry;
    const files = entry.files.map((f) =>
      f.key === key ? { key: fixedKey, rows: lines.length, bytes: body.byteLength, sha256: sha256(body) } : f,
    );
    return {
      ...entry,
      files,
      rows: files.reduce((n, f) => n + f.rows, 0),
      bytes: files.reduce((n, f) => n + f.bytes, 0),
    };
  });
  if (tables.every((entry, i) => entry === manifest.tables[i])) {
    throw new Error(`${key} is not a file of run ${runId}`);
  }
  await store.put(bucket, manifestKey, JSON.stringify({ ...manifest, tables }));
  return fixedKey;
}
