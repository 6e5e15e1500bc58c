import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import type { StateStore } from "@etl/ops";
import { createDynamoStateStore } from "@etl/ops/aws";
import {
  ObjectExistsError,
  type ObjectStore,
  rawDataKey,
  runManifestKey,
  runSequence,
  toRunId,
} from "@etl/s3-io";
import { createS3ObjectStore, isLocalS3Server } from "@etl/s3-io/aws";
import {
  type ProcessedRunManifest,
  ProcessedRunManifestSchema,
  type QuarantinedRow,
  QuarantinedRowSchema,
  type QuarantineRetry,
  QuarantineRetrySchema,
  type RawRunManifest,
  RawRunManifestSchema,
  type RawTableEntry,
  type RunId,
  RunIdSchema,
  SOURCE_TABLE_NAMES,
  type SourceTable,
} from "@etl/schemas";
import type { OperatorTarget } from "./operator";

/** Where the held rows are: the buckets the functions use, and the state table's run counter. */
export interface QuarantineDeps {
  store: ObjectStore;
  ingestBucket: string;
  processedBucket: string;
  state: StateStore;
  clock(): Date;
}

/** The deps of a local or deployed pipeline, as `etl quarantine` and `etl dashboard` read them. */
export function quarantineDeps(target: OperatorTarget): QuarantineDeps {
  return {
    store: createS3ObjectStore(target.s3, {
      localServer: target.kind === "local" && isLocalS3Server(target.env),
    }),
    ingestBucket: target.env.INGEST_BUCKET ?? "",
    processedBucket: target.env.PROCESSED_BUCKET ?? "",
    state: createDynamoStateStore({ client: target.dynamoClient, table: target.env.STATE_TABLE ?? "" }),
    clock: () => new Date(),
  };
}

/** A run that held rows back, and whether they have been retried. */
export interface HeldRun {
  runId: RunId;
  rows: number;
  /** Held rows per source table. */
  tables: Partial<Record<SourceTable, number>>;
  retried?: QuarantineRetry;
}

/** A problem with a quarantine command's input that the operator can act on. */
export class QuarantineError extends Error {
  override name = "QuarantineError";
}

const text = (body: Uint8Array) => Buffer.from(body).toString("utf8");
const sha256 = (body: Uint8Array) => createHash("sha256").update(body).digest("hex");

/** `quarantine/retries/<runId>.json`: apart from the run's own prefix, which its sweep cleans. */
export function retryMarkerKey(runId: RunId): string {
  return `quarantine/retries/${runId}.json`;
}

async function processedManifest(deps: QuarantineDeps, runId: RunId): Promise<ProcessedRunManifest> {
  const key = runManifestKey(runId);
  if ((await deps.store.head(deps.processedBucket, key)) === undefined)
    throw new QuarantineError(`run ${runId} is not transformed: \`etl status\` lists the runs`);
  return ProcessedRunManifestSchema.parse(JSON.parse(text(await deps.store.get(deps.processedBucket, key))));
}

async function retryOf(deps: QuarantineDeps, runId: RunId): Promise<QuarantineRetry | undefined> {
  const key = retryMarkerKey(runId);
  if ((await deps.store.head(deps.processedBucket, key)) === undefined) return undefined;
  return QuarantineRetrySchema.parse(JSON.parse(text(await deps.store.get(deps.processedBucket, key))));
}

/** Parses a run id, or says what one looks like. */
export function parseRunId(value: string): RunId {
  const parsed = RunIdSchema.safeParse(value);
  if (!parsed.success)
    throw new QuarantineError(`${JSON.stringify(value)} is not a run id; \`etl quarantine list\` lists them`);
  return parsed.data;
}

/**
 * The rows a run held back, as its committed manifest lists them (the object's SHA-256 must be
 * the manifest's); empty when it held none.
 */
export async function heldRowsOf(deps: QuarantineDeps, runId: RunId): Promise<QuarantinedRow[]> {
  const manifest = await processedManifest(deps, runId);
  const pointer = manifest.quarantine;
  if (pointer === undefined) return [];
  const body = await deps.store.get(deps.processedBucket, pointer.key);
  if (sha256(body) !== pointer.sha256)
    throw new QuarantineError(`${pointer.key} differs from what run ${runId}'s manifest says it holds`);
  return text(body)
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => QuarantinedRowSchema.parse(JSON.parse(line)));
}

/**
 * Every run that held rows back, oldest first: the runs with an object under
 * `quarantine/transform/<runId>/` whose committed manifest lists held rows.
 */
export async function listHeldRuns(deps: QuarantineDeps): Promise<HeldRun[]> {
  const runIds = new Set<RunId>();
  for await (const object of deps.store.list(deps.processedBucket, "quarantine/transform/")) {
    const id = RunIdSchema.safeParse(object.key.split("/")[2]);
    if (id.success) runIds.add(id.data);
  }
  const runs: HeldRun[] = [];
  for (const runId of [...runIds].sort()) {
    if ((await deps.store.head(deps.processedBucket, runManifestKey(runId))) === undefined) continue;
    const manifest = await processedManifest(deps, runId);
    if (manifest.quarantine === undefined) continue;
    const tables: Partial<Record<SourceTable, number>> = {};
    for (const c of manifest.counts ?? []) if (c.quarantined > 0) tables[c.table] = c.quarantined;
    const retried = await retryOf(deps, runId);
    runs.push({ runId, rows: manifest.quarantine.rows, tables, ...(retried ? { retried } : {}) });
  }
  return runs;
}

export type RetryResult =
  | { status: "started"; runId: RunId; retryRunId: RunId; rows: number; manifestKey: string }
  | { status: "already"; runId: RunId; retryRunId: RunId; rows: number };

/**
 * Carries a run's held rows into the warehouse again, once: a new ingest run (the next
 * sequence of the ingest's own counter) whose raw files hold exactly the held lines, as the
 * original run's files held them, with that run's snapshot, watermarks and declared added
 * columns, and `retryOf` naming it. The transform and load treat it as any run, so rows that
 * pass now are loaded and rows that still fail are held again, by the new run.
 *
 * Exactly once: the marker `quarantine/retries/<runId>.json` naming the new run is written first,
 * with `If-None-Match`, so of two retries one wins; a retry that finds the marker but not the new
 * run's manifest (it stopped half-way) finishes that same run, and one that finds both does
 * nothing.
 */
export async function retryQuarantine(deps: QuarantineDeps, runId: RunId): Promise<RetryResult> {
  const rows = await heldRowsOf(deps, runId);
  if (rows.length === 0) throw new QuarantineError(`run ${runId} held no rows back`);
  let marker = await retryOf(deps, runId);
  if (marker === undefined) {
    const sequence = await deps.state.nextSequence("ingest-run");
    const candidate: QuarantineRetry = QuarantineRetrySchema.parse({
      schemaVersion: 1,
      runId,
      retryRunId: toRunId(deps.clock(), sequence),
      rows: rows.length,
      at: deps.clock().toISOString(),
    });
    try {
      await deps.store.put(deps.processedBucket, retryMarkerKey(runId), JSON.stringify(candidate, null, 2), {
        contentType: "application/json",
        ifNoneMatch: true,
      });
      marker = candidate;
    } catch (error) {
      if (!(error instanceof ObjectExistsError)) throw error;
      marker = await retryOf(deps, runId);
      if (marker === undefined) throw error;
    }
  }
  const retryRunId = RunIdSchema.parse(marker.retryRunId);
  const manifestKey = runManifestKey(retryRunId);
  if ((await deps.store.head(deps.ingestBucket, manifestKey)) !== undefined)
    return { status: "already", runId, retryRunId, rows: marker.rows };

  const original = RawRunManifestSchema.parse(
    JSON.parse(text(await deps.store.get(deps.ingestBucket, runManifestKey(runId)))),
  );
  const entries: RawTableEntry[] = [];
  for (const table of SOURCE_TABLE_NAMES) {
    const lines = rows
      .filter((r) => r.table === table)
      .sort((a, b) => a.key.localeCompare(b.key) || a.lineNumber - b.lineNumber)
      .map((r) => r.line);
    if (lines.length === 0) continue;
    const source = original.tables.find((e) => e.table === table);
    if (source === undefined)
      throw new QuarantineError(`run ${runId} read no ${table}, yet holds rows of it`);
    // The same bytes every time, so a retry that stopped half-way rewrites what it wrote.
    const body = new Uint8Array(gzipSync(`${lines.join("\n")}\n`, { level: 6 }));
    const key = rawDataKey(table, retryRunId, 1);
    await deps.store.put(deps.ingestBucket, key, body, { contentType: "application/x-ndjson" });
    entries.push({
      table,
      files: [{ key, rows: lines.length, bytes: body.byteLength, sha256: sha256(body) }],
      rows: lines.length,
      bytes: body.byteLength,
      watermark: source.watermark,
      ...(source.addedColumns ? { addedColumns: source.addedColumns } : {}),
    });
  }
  const manifest: RawRunManifest = RawRunManifestSchema.parse({
    schemaVersion: 1,
    kind: "raw",
    runId: retryRunId,
    sequence: runSequence(retryRunId),
    createdAt: deps.clock().toISOString(),
    snapshot: original.snapshot,
    tables: entries,
    retryOf: runId,
  });
  try {
    await deps.store.put(deps.ingestBucket, manifestKey, JSON.stringify(manifest, null, 2), {
      contentType: "application/json",
      ifNoneMatch: true,
    });
  } catch (error) {
    if (!(error instanceof ObjectExistsError)) throw error;
    return { status: "already", runId, retryRunId, rows: marker.rows };
  }
  return { status: "started", runId, retryRunId, rows: rows.length, manifestKey };
}
