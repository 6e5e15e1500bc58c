import type { Alerter, AuditItem, AuditLog, createLogger } from "@etl/ops";
import { ObjectExistsError, type ObjectStore, ObjectStoreError, runManifestKey } from "@etl/s3-io";
import {
  DataError,
  EtlError,
  isRetryable,
  type ManifestFile,
  messageOf,
  type ProcessedFile,
  type ProcessedRunManifest,
  ProcessedRunManifestSchema,
  type RunId,
  RunIdSchema,
  type SourceRow,
  STAR_TABLE_NAMES,
  type StarRow,
  type StarTable,
  toDimDate,
} from "@etl/schemas";
import { OutputConflictError, RawDataError } from "./errors";
import { newAttemptToken, removeOwnOutputs, removeUnlistedOutputs } from "./steps/attempt-outputs";
import { buildReferenceDimensions, type ReferenceDimension } from "./steps/build-dimensions";
import { readSourceTable } from "./steps/read-source-rows";
import {
  emptyReferenceState,
  isStateTable,
  mergeReferenceState,
  type ReferenceChanges,
  readReferenceState,
  type StateTable,
  writeReferenceState,
} from "./steps/reference-state";
import { previousManifest, readProcessedManifest, readRawManifest } from "./steps/run-manifests";
import { createStarPartWriter, type StarFile } from "./steps/star-part-writer";
import { DateSet, isStreamedTable, STREAMED_TABLES, transformStreamedTable } from "./steps/streamed-tables";

/** The logging the use case needs: the `@etl/ops` logger (Powertools). */
export type TransformLogger = Pick<ReturnType<typeof createLogger>, "info" | "warn" | "error">;

/** What one star table of a run came to. */
export interface TableProgress {
  table: StarTable;
  rows: number;
  files: number;
  bytes: number;
  durationMs: number;
}

export interface TransformDeps {
  store: ObjectStore;
  ingestBucket: string;
  processedBucket: string;
  /** Rows per Parquet part. */
  partRows: number;
  audit: AuditLog;
  alerter: Alerter;
  clock(): Date;
  /** Draws the attempt's token, part of every key it writes (default: `newAttemptToken`). */
  attemptToken?(): string;
  logger?: TransformLogger;
  /** Called as each star table is written (the CLI prints progress). */
  onTable?(progress: TableProgress): void;
}

export type TransformOutcome =
  | { status: "done"; runId: RunId; manifestKey: string; rows: number; tables: TableProgress[] }
  /** The processed manifest already existed: an earlier attempt (or a concurrent one) finished. */
  | { status: "skipped"; runId: RunId; manifestKey: string }
  /** Bad data: audited, alerted, no manifest written; the message should be acknowledged. */
  | { status: "failed"; runId: RunId; error: string; code: string; table?: string; key?: string };

const STAGE = "transform";

/** Where the run was when it failed, for the failure item and the alert's subject. */
interface Place {
  table?: string;
  key?: string;
  bucket?: string;
}

function placeOf(error: unknown, current: Place): Place {
  if (error instanceof RawDataError) return { table: error.table, key: error.key, bucket: error.bucket };
  if (error instanceof OutputConflictError) return { ...current, key: error.key, bucket: error.bucket };
  if (error instanceof ObjectStoreError && error.key !== undefined)
    return { ...current, key: error.key, bucket: error.bucket };
  return current;
}

/**
 * Transforms one ingest run into star-schema Parquet in the processed bucket.
 *
 * 1. A run whose processed manifest exists is done: skipped (a replay changes nothing).
 * 2. The reference state of the run before it (the newest ingest run with a smaller id) is read
 *    from the objects its processed manifest points to; a previous run not yet transformed is a
 *    retryable `PreviousRunPendingError`, so runs are transformed in order.
 * 3. Every row of every raw file is validated with its source schema; the changed reference
 *    tables are merged into the state and their dimensions built, with the rows that depend on
 *    them (an address reaches `dim_counterparty`, a department `dim_staff`).
 * 4. Facts and `dim_transaction` are streamed a Parquet part at a time; `dim_date` gets every
 *    date the run's facts hold.
 * 5. The new state objects, then the processed manifest, last, listing files in load order.
 *
 * Every key the attempt writes holds its attempt token, so attempts of one run (a crashed one
 * and its retry, two deliveries of one message) never write the same object, and objects are
 * never overwritten. The manifest put (`If-None-Match`) is the commit: one attempt wins, and the
 * objects no committed manifest lists (the losers', a crashed attempt's) are then removed by
 * `removeUnlistedOutputs`. A failing attempt removes what it wrote, unless its manifest put had
 * started (it may have landed). Bad data (a `DataError`) is audited, recorded as a failure and
 * alerted, and the outcome `failed` is returned; retryable and unknown errors are audited and
 * thrown, so the queue redelivers.
 *
 * @example
 * const outcome = await runTransform({ runId: "20261123T141500123Z-00000042" }, deps);
 */
export async function runTransform(input: { runId: string }, deps: TransformDeps): Promise<TransformOutcome> {
  const parsedId = RunIdSchema.safeParse(input.runId);
  if (!parsedId.success)
    throw new DataError(`not a run id: ${JSON.stringify(input.runId)}`, { code: "BAD_RUN_ID" });
  const runId = parsedId.data;
  const { store, processedBucket, ingestBucket } = deps;
  const started = performance.now();
  const attempt = deps.clock().toISOString();
  const token = deps.attemptToken?.() ?? newAttemptToken();
  const manifestKey = runManifestKey(runId);
  const item = (fields: Omit<AuditItem, "stage" | "runId" | "attempt">): AuditItem => ({
    stage: STAGE,
    runId,
    attempt,
    ...fields,
  });
  const sweep = async (manifest: ProcessedRunManifest) => {
    const removed = await removeUnlistedOutputs(store, processedBucket, manifest, (message, fields) =>
      deps.logger?.warn(message, { runId, ...fields }),
    );
    if (removed.length > 0)
      deps.logger?.info("removed outputs no manifest lists", { runId, removed: removed.length });
  };
  const skipped = async (): Promise<TransformOutcome> => {
    await deps.audit.record([item({ key: "-", status: "SKIPPED", bucket: processedBucket })]);
    deps.logger?.info("run already transformed, skipped", { runId, manifestKey });
    return { status: "skipped", runId, manifestKey };
  };

  if ((await store.head(processedBucket, manifestKey)) !== undefined) {
    // The winner may have died before removing the leftovers of other attempts.
    await readProcessedManifest(deps.store, deps.processedBucket, runId).then(
      (committed) => (committed ? sweep(committed) : undefined),
      (error: unknown) =>
        deps.logger?.warn("could not read the processed manifest to remove unlisted outputs", {
          runId,
          error: messageOf(error),
        }),
    );
    return skipped();
  }

  const created: { bucket: string; key: string }[] = [];
  const current: Place = {};
  /** Set once the manifest put is sent: from then on it may have landed, listing `created`. */
  let committing = false;
  try {
    await deps.audit.record([item({ key: "-", status: "STARTED", bucket: ingestBucket })]);
    const raw = await readRawManifest(store, ingestBucket, runId);
    const previous = await previousManifest(deps.store, deps.ingestBucket, deps.processedBucket, runId);
    const before = previous
      ? await readReferenceState(store, processedBucket, previous.state)
      : emptyReferenceState();

    const filesOf = new Map<string, ManifestFile[]>();
    for (const entry of raw.tables)
      filesOf.set(entry.table, [...(filesOf.get(entry.table) ?? []), ...entry.files]);

    const changes: { [T in StateTable]?: SourceRow<T>[] } = {};
    for (const [table, files] of filesOf) {
      if (!isStateTable(table)) continue;
      Object.assign(current, { table, key: files[0]?.key, bucket: ingestBucket });
      (changes as Record<string, unknown>)[table] = await readSourceTable(store, ingestBucket, table, files);
    }
    const state = mergeReferenceState(before, changes as ReferenceChanges);
    Object.assign(current, { table: undefined, key: undefined, bucket: undefined });
    const dimensions = buildReferenceDimensions(changes as ReferenceChanges, state);

    const written = new Map<StarTable, StarFile[]>();
    const progress: TableProgress[] = [];
    const onPart = (file: StarFile) => {
      created.push({ bucket: processedBucket, key: file.key });
    };
    const report = (table: StarTable, rows: number, files: StarFile[], since: number) => {
      written.set(table, files);
      const entry: TableProgress = {
        table,
        rows,
        files: files.length,
        bytes: files.reduce((n, f) => n + f.bytes, 0),
        durationMs: Math.round(performance.now() - since),
      };
      progress.push(entry);
      deps.logger?.info("star table written", { runId, ...entry });
      deps.onTable?.(entry);
    };
    const writeTable = async <T extends StarTable>(table: T, rows: readonly StarRow<T>[]) => {
      const since = performance.now();
      Object.assign(current, { table, key: undefined, bucket: processedBucket });
      const writer = writerFor(deps, table, runId, token, onPart);
      await writer.add(rows);
      report(table, writer.rows, await writer.close(), since);
    };

    for (const table of Object.keys(dimensions) as ReferenceDimension[]) {
      const rows = dimensions[table];
      if (rows.length > 0) await writeTable(table, rows);
    }

    const dates = new DateSet();
    for (const [table, files] of filesOf) {
      if (!isStreamedTable(table)) continue;
      const since = performance.now();
      Object.assign(current, { table, key: files[0]?.key, bucket: ingestBucket });
      const result = await transformStreamedTable(table, files, {
        store,
        ingestBucket,
        processedBucket,
        runId,
        attempt: token,
        partRows: deps.partRows,
        state,
        dates,
        onPart,
      });
      report(STREAMED_TABLES[table].star, result.rows, result.files, since);
    }
    if (dates.size > 0) await writeTable("dim_date", toDimDate(dates.values()));

    Object.assign(current, { table: undefined, key: undefined, bucket: processedBucket });
    const stateFiles: AuditItem[] = [];
    const pointers = await writeReferenceState(
      store,
      processedBucket,
      runId,
      token,
      state,
      new Set(Object.keys(changes) as StateTable[]),
      previous?.state ?? {},
      (file) => {
        created.push({ bucket: processedBucket, key: file.key });
        stateFiles.push(
          item({
            key: file.key,
            status: "FINISHED",
            table: file.table,
            bucket: processedBucket,
            size: file.bytes,
            rows: file.rows,
          }),
        );
      },
    );

    const files: ProcessedFile[] = STAR_TABLE_NAMES.flatMap((table) => written.get(table) ?? []);
    const manifest: ProcessedRunManifest = ProcessedRunManifestSchema.parse({
      schemaVersion: 1,
      kind: "processed",
      runId,
      sequence: raw.sequence,
      // The load loads this run only after the previous one (runs load in order).
      previousRunId: previous?.runId ?? null,
      createdAt: deps.clock().toISOString(),
      source: { bucket: ingestBucket, key: manifestKey },
      files,
      state: pointers,
    });
    const rows = files.reduce((n, f) => n + f.rows, 0);

    // The manifest is written last: downstream reacts to it and never to single data files.
    const body = JSON.stringify(manifest, null, 2);
    committing = true;
    try {
      await store.put(processedBucket, manifestKey, body, {
        contentType: "application/json",
        ifNoneMatch: true,
      });
    } catch (error) {
      if (!(error instanceof ObjectExistsError)) throw error;
      const existing = Buffer.from(await store.get(processedBucket, manifestKey)).toString("utf8");
      // Unless it is this very put, retried after its response was lost, another attempt won:
      // the sweep against its manifest removes everything this attempt wrote.
      if (existing !== body) {
        const winner = await readProcessedManifest(deps.store, deps.processedBucket, runId);
        if (winner) await sweep(winner);
        return skipped();
      }
    }
    await deps.audit.record([
      ...files.map((f) =>
        item({
          key: f.key,
          status: "FINISHED",
          table: f.table,
          bucket: processedBucket,
          size: f.bytes,
          rows: f.rows,
        }),
      ),
      ...stateFiles,
    ]);
    await sweep(manifest);
    const durationMs = Math.round(performance.now() - started);
    await deps.audit.record([
      item({ key: "-", status: "FINISHED", bucket: processedBucket, rows, durationMs }),
    ]);
    deps.logger?.info("run transformed", {
      runId,
      manifestKey,
      attempt: token,
      rows,
      files: files.length,
      durationMs,
    });
    return { status: "done", runId, manifestKey, rows, tables: progress };
  } catch (error) {
    await removeOwnOutputs(deps.store, deps.processedBucket, runId, created, committing, (message, fields) =>
      deps.logger?.warn(message, { runId, ...fields }),
    );
    return failed(error, { deps, runId, item, place: placeOf(error, current), started });
  }
}

function writerFor<T extends StarTable>(
  deps: TransformDeps,
  table: T,
  runId: RunId,
  attempt: string,
  onPart: (file: StarFile) => void,
): ReturnType<typeof createStarPartWriter<T>> {
  return createStarPartWriter({
    store: deps.store,
    bucket: deps.processedBucket,
    runId,
    attempt,
    table,
    partRows: deps.partRows,
    onPart,
  });
}

interface FailureContext {
  deps: TransformDeps;
  runId: RunId;
  item: (fields: Omit<AuditItem, "stage" | "runId" | "attempt">) => AuditItem;
  place: Place;
  started: number;
}

/**
 * Retryable (and unknown) errors: audited and thrown, so the queue redelivers and a new attempt
 * starts over. Bad data: audited, recorded and alerted, and the outcome `failed` returned.
 */
async function failed(error: unknown, context: FailureContext): Promise<TransformOutcome> {
  const { deps, runId, item, place } = context;
  const message = messageOf(error);
  const retryable = isRetryable(error);
  const code = error instanceof EtlError ? error.code : "UNKNOWN";
  const durationMs = Math.round(performance.now() - context.started);
  deps.logger?.[retryable ? "warn" : "error"]("transform failed", {
    runId,
    retryable,
    code,
    error: message,
    ...place,
  });
  await deps.audit.record([
    item({
      key: "-",
      status: "FAILED",
      ...(place.table ? { table: place.table } : {}),
      ...(place.bucket ? { bucket: place.bucket } : {}),
      durationMs,
      error: message,
    }),
  ]);
  if (retryable) throw error;

  await deps.audit.recordFailure({
    stage: STAGE,
    runId,
    error: message,
    retryable: false,
    ...(place.key ? { key: place.key } : {}),
    ...(place.table ? { table: place.table } : {}),
    details: { code, ...(place.bucket ? { bucket: place.bucket } : {}) },
  });
  await deps.alerter.alert({
    stage: STAGE,
    runId,
    ...(place.table ? { table: place.table } : {}),
    ...(place.key ? { key: place.key } : {}),
    subject: `run failed (${code})`,
    detail: { runId, error: message, code, ...place },
  });
  return {
    status: "failed",
    runId,
    error: message,
    code,
    ...(place.table ? { table: place.table } : {}),
    ...(place.key ? { key: place.key } : {}),
  };
}
