import type { AddedColumn, ManifestFile, RawRunManifest, StarDeletion } from "@etl/schemas";
import { buildReferenceDimensions, type ReferenceDimensions } from "./build-dimensions";
import { QuarantineSink } from "./quarantine-sink";
import { readDeletions, type SourceDeletion, toStarDeletions } from "./read-deletions";
import { type ReferenceCount, readReferenceChanges } from "./reference-changes";
import {
  emptyReferenceState,
  isStateTable,
  mergeReferenceState,
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
  /** Rows deleted at the source, per source table, as the raw run declares them (for the counts). */
  sourceDeletions: SourceDeletion[];
  /** The rows of the run held back so far (the streamed tables add theirs). */
  quarantine: QuarantineSink;
  /** Rows read and transformed per reference table. */
  referenceCounts: Map<StateTable, ReferenceCount>;
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

  const quarantine = new QuarantineSink(attempt.runId);
  const referenceTables = new Map<StateTable, { files: ManifestFile[]; added?: AddedColumn[] }>();
  for (const [table, files] of filesOf) {
    if (!isStateTable(table)) continue;
    const added = addedOf.get(table);
    referenceTables.set(table, { files, ...(added ? { added } : {}) });
  }
  const { changes, counts } = await readReferenceChanges(
    store,
    ingestBucket,
    referenceTables,
    before,
    quarantine,
    (table, key) => Object.assign(attempt.current, { table, key, bucket: ingestBucket }),
  );
  Object.assign(attempt.current, { table: undefined, key: "deletions", bucket: ingestBucket });
  const deleted = await readDeletions(store, ingestBucket, raw);
  // Deleted rows leave the state before the dimensions are built: a change this run makes to a
  // row they depend on must not rebuild them.
  const { state, changed: lost } = withoutDeleted(mergeReferenceState(before, changes), deleted);
  Object.assign(attempt.current, { table: undefined, key: undefined, bucket: undefined });
  const dimensions = buildReferenceDimensions(changes, state);
  return {
    raw,
    previous,
    filesOf,
    addedOf,
    changed: new Set([
      ...(Object.keys(changes) as StateTable[]).filter((t) => (changes[t]?.length ?? 0) > 0),
      ...lost,
    ]),
    state,
    dimensions,
    deletions: toStarDeletions(deleted),
    sourceDeletions: deleted,
    quarantine,
    referenceCounts: counts,
  };
}
