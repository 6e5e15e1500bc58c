import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import type { SourceSnapshot } from "@etl/db/source";
import { keySetKey, rawDeletionsKey } from "@etl/s3-io";
import { type RawDeletionEntry, SOURCE_TABLES, type SourceTable } from "@etl/schemas";
import type { IngestDeps, IngestRun, IngestSettings } from "./ingest-run";
import { decodeKeySet, deletedKeys, encodeKeySet, KeyCollector } from "./key-set";

/** The state-table namespace of each table's key-set pointer (id: the table). */
export const KEY_SET_NAMESPACE = "ingest-key-set";

/** Where a table's key set of the last recorded run is, as its state record holds it. */
export interface KeySetPointer {
  runId: string;
  key: string;
  rows: number;
}

/** One table's key set of this run, encoded, to be stored once the run's manifest exists. */
export interface PendingKeySet {
  table: SourceTable;
  key: string;
  body: Buffer;
  rows: number;
  /** The pointer this run compared with (undefined on the table's first run): the compare-and-set's expected value. */
  previous?: KeySetPointer;
}

/** What the detection found: the manifest's deletion entries, and the key sets to record. */
export interface Detection {
  deletions: RawDeletionEntry[];
  keySets: PendingKeySet[];
  /** Time spent, for the run's log and the bench. */
  durationMs: number;
}

function pointerOf(data: Record<string, unknown> | undefined): KeySetPointer | undefined {
  if (!data) return undefined;
  const { runId, key, rows } = data;
  if (typeof runId !== "string" || typeof key !== "string" || typeof rows !== "number") return undefined;
  return { runId, key, rows };
}

/**
 * Finds the rows deleted at the source since the last recorded run (hard deletes), table by
 * table, inside the run's snapshot: every primary key the snapshot sees (`streamKeys`, whatever
 * its `last_updated`) is compared with the key set the last run with a manifest recorded. A key
 * in that set and not in this one was deleted in between; its table's keys go to one gzip JSON
 * Lines file beside the run's data, `{"<primary key>": id}` a line, and the run's manifest
 * declares it with the snapshot's database time as the detection time.
 *
 * Memory holds two sorted `Float64Array`s of one table at a time (16 MB at a million rows). This
 * run's key sets are only encoded here: `recordKeySets` stores them after the manifest, so a run
 * that fails before its manifest leaves the last set in place and the next run finds the same
 * deletions again.
 */
export async function detectDeletions(
  settings: IngestSettings,
  deps: IngestDeps,
  run: IngestRun,
  snapshot: Pick<SourceSnapshot, "streamKeys" | "databaseTime">,
  tables: readonly SourceTable[] = run.tables,
): Promise<Detection> {
  const began = Date.now();
  const deletions: RawDeletionEntry[] = [];
  const keySets: PendingKeySet[] = [];
  for (const table of tables) {
    run.currentTable = table;
    const collector = new KeyCollector();
    await snapshot.streamKeys(table, collector);
    const current = collector.keys();
    const previous = pointerOf((await deps.state.getRecord(KEY_SET_NAMESPACE, table))?.data);
    keySets.push({
      table,
      key: keySetKey(table, run.runId),
      body: encodeKeySet(current),
      rows: current.length,
      ...(previous ? { previous } : {}),
    });
    if (!previous) continue;
    const deleted = deletedKeys(decodeKeySet(await deps.store.get(settings.bucket, previous.key)), current);
    if (deleted.length === 0) continue;
    const pk = SOURCE_TABLES[table];
    const body = gzipSync(deleted.map((id) => `{"${pk}":${id}}\n`).join(""));
    const key = rawDeletionsKey(table, run.runId);
    await deps.store.put(settings.bucket, key, body, { contentType: "application/gzip", ifNoneMatch: true });
    deletions.push({
      table,
      file: {
        key,
        rows: deleted.length,
        bytes: body.length,
        sha256: createHash("sha256").update(body).digest("hex"),
      },
      detectedAt: snapshot.databaseTime,
      previousRunId: previous.runId,
    });
  }
  run.currentTable = undefined;
  return { deletions, keySets, durationMs: Date.now() - began };
}

/**
 * Stores this run's key sets and points each table's state record at its set, once the manifest
 * exists and the watermarks moved: the next run compares with them. A run that lost the
 * watermark race never gets here (its deletions are in its manifest already; one it alone saw is
 * found again by the next run, and applied once). The pointer moves by compare-and-set from the
 * one this run compared with, so a run that finds it moved by another leaves it and logs why.
 */
export async function recordKeySets(
  settings: IngestSettings,
  deps: IngestDeps,
  run: IngestRun,
  keySets: readonly PendingKeySet[],
): Promise<void> {
  for (const set of keySets) {
    await deps.store.put(settings.bucket, set.key, set.body, {
      contentType: "application/gzip",
      ifNoneMatch: true,
    });
    const data = { runId: run.runId, key: set.key, rows: set.rows };
    const moved = await deps.state.putRecord(
      KEY_SET_NAMESPACE,
      set.table,
      data,
      set.previous ? { ifData: { runId: set.previous.runId } } : { ifAbsent: true },
    );
    if (!moved) {
      deps.logger?.warn("another run recorded the table's key set first; this run's set is not used", {
        runId: run.runId,
        table: set.table,
      });
    }
  }
}
