import {
  isFactTable,
  type SourceTable,
  type StarRow,
  type StarTable,
  type TableCounts,
  toDimDate,
} from "@etl/schemas";
import type { ReferenceDimension } from "./build-dimensions";
import type { RunInputs } from "./read-run-inputs";
import { declareAddedColumns } from "./read-source-rows";
import { createStarPartWriter, type StarFile } from "./star-part-writer";
import { DateSet, isStreamedTable, STREAMED_TABLES, transformStreamedTable } from "./streamed-tables";
import type { TableProgress, TransformAttempt, TransformDeps } from "./transform-attempt";

/** The star files an attempt wrote, per table, and what each table came to. */
export interface StarOutputs {
  written: Map<StarTable, StarFile[]>;
  progress: TableProgress[];
  /** Per source table of the run: rows read, transformed, quarantined and deleted. */
  counts: TableCounts[];
}

/**
 * Writes the run's star tables as Parquet parts: the reference dimensions its changes reach,
 * then the facts and `dim_transaction` streamed a part at a time, then `dim_date` with every
 * date the facts hold. Every part is listed in `attempt.created` as it is written.
 */
export async function writeStarTables(
  deps: TransformDeps,
  attempt: TransformAttempt,
  inputs: RunInputs,
): Promise<StarOutputs> {
  const outputs: StarOutputs = { written: new Map(), progress: [], counts: [] };
  const watcher = deps.progress;
  /** Lists each part as written; with a watcher, also starts the table and counts its rows per part. */
  const partsOf = (table: StarTable, expectedRows: number) => {
    watcher?.tableStarted(table, expectedRows);
    let rows = 0;
    return (file: StarFile) => {
      attempt.created.push({ bucket: deps.processedBucket, key: file.key });
      if (!watcher) return;
      rows += file.rows;
      watcher.rows(table, rows);
    };
  };
  // Deleted rows are found apart from the lines read (the ingest's key-set comparison).
  const deletedOf = new Map<SourceTable, number>(inputs.sourceDeletions.map((d) => [d.table, d.keys.length]));
  const count = (table: SourceTable, read: number, transformed: number, quarantined: number) => {
    outputs.counts.push({ table, read, transformed, quarantined, deleted: deletedOf.get(table) ?? 0 });
    deletedOf.delete(table);
  };
  for (const [table, { read, transformed }] of inputs.referenceCounts)
    count(table, read, transformed, inputs.quarantine.count(table));
  const writeTable = async <T extends StarTable>(table: T, rows: readonly StarRow<T>[]) => {
    const since = performance.now();
    const onPart = partsOf(table, rows.length);
    Object.assign(attempt.current, { table, key: undefined, bucket: deps.processedBucket });
    const writer = createStarPartWriter({
      store: deps.store,
      bucket: deps.processedBucket,
      runId: attempt.runId,
      attempt: attempt.token,
      table,
      partRows: deps.partRows,
      onPart,
    });
    await writer.add(rows);
    recordTable(deps, attempt, outputs, { table, rows: writer.rows, files: await writer.close(), since });
  };

  for (const table of Object.keys(inputs.dimensions) as ReferenceDimension[]) {
    const rows = inputs.dimensions[table];
    if (rows.length > 0) await writeTable(table, rows);
  }
  const dates = new DateSet();
  for (const [table, files] of inputs.filesOf) {
    if (!isStreamedTable(table)) continue;
    const since = performance.now();
    // The raw rows are the estimate: a streamed source row makes one star row.
    const onPart = partsOf(
      STREAMED_TABLES[table].star,
      files.reduce((n, f) => n + f.rows, 0),
    );
    Object.assign(attempt.current, { table, key: files[0]?.key, bucket: deps.ingestBucket });
    // Lines with declared added columns fail the fast scan and are read the reference way,
    // with exactly those columns removed; an undrifted table keeps the fast path whole.
    const release = declareAddedColumns(files, inputs.addedOf.get(table));
    let result: Awaited<ReturnType<typeof transformStreamedTable>>;
    try {
      result = await transformStreamedTable(table, files, {
        store: deps.store,
        ingestBucket: deps.ingestBucket,
        processedBucket: deps.processedBucket,
        runId: attempt.runId,
        attempt: attempt.token,
        partRows: deps.partRows,
        state: inputs.state,
        dates,
        onPart,
        quarantine: inputs.quarantine,
      });
    } finally {
      release();
    }
    recordTable(deps, attempt, outputs, { ...result, table: STREAMED_TABLES[table].star, since });
    count(table, result.read, result.rows, result.quarantined);
  }
  // A fact's deletion version is dated at the detection time: its date must be in dim_date.
  for (const d of inputs.deletions) if (isFactTable(d.table)) dates.add(d.deletedAt.slice(0, 10));
  if (dates.size > 0) await writeTable("dim_date", toDimDate(dates.values()));
  for (const table of [...deletedOf.keys()]) count(table, 0, 0, 0);
  return outputs;
}

/** Keeps a written table's files and progress, logs it and tells the progress port. */
function recordTable(
  deps: TransformDeps,
  attempt: TransformAttempt,
  outputs: StarOutputs,
  done: { table: StarTable; rows: number; files: StarFile[]; since: number },
): void {
  outputs.written.set(done.table, done.files);
  const entry: TableProgress = {
    table: done.table,
    rows: done.rows,
    files: done.files.length,
    bytes: done.files.reduce((n, f) => n + f.bytes, 0),
    durationMs: Math.round(performance.now() - done.since),
  };
  outputs.progress.push(entry);
  deps.logger?.info("star table written", { runId: attempt.runId, ...entry });
  deps.progress?.tableFinished(entry.table, entry.rows, entry.durationMs);
}
