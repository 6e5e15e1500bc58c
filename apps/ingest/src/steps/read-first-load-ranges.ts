import type { KeyRangeReader, SourceSnapshot } from "@etl/db/source";
import { rawDataKey } from "@etl/s3-io";
import type { RawTableEntry, SourceTable } from "@etl/schemas";
import type { IngestDeps, IngestRun, IngestSettings, TableProgress } from "./ingest-run";
import { PartSink } from "./part-sink";
import {
  type FirstLoadCursor,
  type PlanInputs,
  planFirstLoads,
  type RangeStep,
  type RunPlan,
} from "./plan-first-loads";

/** The snapshot as the ingest opens it: key-range reads are there when the deps provide them. */
export type PlannedSnapshot = SourceSnapshot & Partial<KeyRangeReader>;

function rangeReader(snapshot: PlannedSnapshot): KeyRangeReader {
  const { rangeEnd, streamRange } = snapshot;
  if (!rangeEnd || !streamRange) {
    throw new Error("a first load in key ranges needs a snapshot with rangeEnd and streamRange");
  }
  return { rangeEnd, streamRange };
}

/** The rows one run may read for first loads: its time budget at the slowest stage's rate. */
export function allowanceRows(settings: IngestSettings): number | undefined {
  const budget = settings.budget;
  if (!budget) return undefined;
  return Math.max(1, Math.floor(budget.seconds * budget.rowsPerSecond));
}

/** Plans the run inside its snapshot (the probes of `planFirstLoads` see what the reads will see). */
export async function planRun(
  settings: IngestSettings,
  run: IngestRun,
  snapshot: PlannedSnapshot,
  watermarks: Record<string, string | null>,
  cursors: ReadonlyMap<SourceTable, FirstLoadCursor>,
): Promise<RunPlan> {
  const inputs: PlanInputs = {
    tables: run.tables,
    watermarks,
    cursors,
    allowanceRows: allowanceRows(settings),
    upperBound: snapshot.upperBound,
    estimate: (table) => snapshot.estimateRows(table, null),
    rangeEnd: (table, after, rows) => rangeReader(snapshot).rangeEnd(table, after, rows),
  };
  return planFirstLoads(inputs);
}

/**
 * Reads the run's key ranges of first snapshots, one table after another on the snapshot's own
 * connection, as gzip JSON Lines parts like every other table's rows; the manifest entry says
 * which range it holds (`keyRange`).
 */
export async function readFirstLoadRanges(
  settings: IngestSettings,
  deps: IngestDeps,
  run: IngestRun,
  snapshot: PlannedSnapshot,
  steps: readonly RangeStep[],
): Promise<Map<SourceTable, { entry?: RawTableEntry; done: TableProgress }>> {
  const results = new Map<SourceTable, { entry?: RawTableEntry; done: TableProgress }>();
  for (const step of steps) {
    const { table, upTo, after } = step;
    if (upTo === null) continue;
    run.currentTable = table;
    const began = Date.now();
    const watcher = deps.progress;
    watcher?.tableStarted(table, upTo - (after ?? 0));
    const sink = new PartSink({
      store: deps.store,
      bucket: settings.bucket,
      keyForPart: (n) => rawDataKey(table, run.runId, n),
      maxPartBytes: settings.partMaxBytes,
      ...(settings.gzipLevel === undefined ? {} : { gzipLevel: settings.gzipLevel }),
      ...(watcher ? { onProgress: (rows: number) => watcher.rows(table, rows) } : {}),
    });
    await rangeReader(snapshot).streamRange(table, { after, upTo, bound: step.bound }, sink);
    const rows = sink.files.reduce((n, f) => n + f.rows, 0);
    const bytes = sink.files.reduce((n, f) => n + f.bytes, 0);
    const done = { table, rows, bytes, files: sink.files.length, durationMs: Date.now() - began };
    watcher?.tableFinished(table, rows, done.durationMs);
    results.set(
      table,
      rows === 0
        ? { done }
        : {
            entry: {
              table,
              files: sink.files,
              rows,
              bytes,
              watermark: { from: null, to: step.bound },
              keyRange: { after, upTo, last: step.last },
            },
            done,
          },
    );
  }
  run.currentTable = undefined;
  return results;
}
