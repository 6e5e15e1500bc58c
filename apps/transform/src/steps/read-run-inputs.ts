import type { AddedColumn, ManifestFile, RawRunManifest, SourceRow, StarDeletion } from "@etl/schemas";
import { buildReferenceDimensions, type ReferenceDimensions } from "./build-dimensions";
import { readDeletions, toStarDeletions } from "./read-deletions";
import { readSourceTable } from "./read-source-rows";
import {
  emptyReferenceState,
  isStateTable,
  mergeReferenceState,
  type ReferenceChanges,
  type ReferenceState,
  readReferenceState,
  type StateTable,
  withoutDeleted,
} from "./reference-state";
import { previousManifest, readRawManifest } from "./run-manifests";
import type { TransformAttempt, TransformDeps } from "./transform-attempt";

/** What a run is transformed from: its raw files and the reference state it builds on. */
export interface RunInputs {
  raw: RawRunManifest;
  /** The processed manifest of the run before this one; undefined for the first run. */
  previous: Awaited<ReturnType<typeof previousManifest>>;
  /** The raw files of each source table, in manifest order. */
  filesOf: Map<string, ManifestFile[]>;
  /** The columns the manifest declares as added to each source table (schema drift). */
  addedOf: Map<string, AddedColumn[]>;
  /** The reference tables this run changed. */
  changed: Set<StateTable>;
  /** The reference state after this run. */
  state: ReferenceState;
  /** The reference dimensions' rows this run's changes reach. */
  dimensions: ReferenceDimensions;
  /** Rows deleted at the source, per star table, for the processed manifest (the load applies them). */
  deletions: StarDeletion[];
}

/**
 * Reads the raw manifest and the reference state of the run before (a previous run not yet
 * transformed is a retryable `PreviousRunPendingError`, so runs are transformed in order), then
 * every changed reference table, validated row by row, and builds the dimensions they reach.
 */
export async function readRunInputs(deps: TransformDeps, attempt: TransformAttempt): Promise<RunInputs> {
  const { store, ingestBucket, processedBucket } = deps;
  const raw = await readRawManifest(store, ingestBucket, attempt.runId);
  const previous = await previousManifest(store, ingestBucket, processedBucket, attempt.runId, deps.state);
  const before = previous
    ? await readReferenceState(store, processedBucket, previous.state)
    : emptyReferenceState();

  const filesOf = new Map<string, ManifestFile[]>();
  const addedOf = new Map<string, AddedColumn[]>();
  for (const entry of raw.tables) {
    filesOf.set(entry.table, [...(filesOf.get(entry.table) ?? []), ...entry.files]);
    if (entry.addedColumns)
      addedOf.set(entry.table, [...(addedOf.get(entry.table) ?? []), ...entry.addedColumns]);
  }

  const changes: { [T in StateTable]?: SourceRow<T>[] } = {};
  for (const [table, files] of filesOf) {
    if (!isStateTable(table)) continue;
    Object.assign(attempt.current, { table, key: files[0]?.key, bucket: ingestBucket });
    (changes as Record<string, unknown>)[table] = await readSourceTable(
      store,
      ingestBucket,
      table,
      files,
      addedOf.get(table),
    );
  }
  Object.assign(attempt.current, { table: undefined, key: "deletions", bucket: ingestBucket });
  const deleted = await readDeletions(store, ingestBucket, raw);
  // Deleted rows leave the state before the dimensions are built: a change this run makes to a
  // row they depend on must not rebuild them.
  const { state, changed: lost } = withoutDeleted(
    mergeReferenceState(before, changes as ReferenceChanges),
    deleted,
  );
  Object.assign(attempt.current, { table: undefined, key: undefined, bucket: undefined });
  const dimensions = buildReferenceDimensions(changes as ReferenceChanges, state);
  return {
    raw,
    previous,
    filesOf,
    addedOf,
    changed: new Set([...(Object.keys(changes) as StateTable[]), ...lost]),
    state,
    dimensions,
    deletions: toStarDeletions(deleted),
  };
}
