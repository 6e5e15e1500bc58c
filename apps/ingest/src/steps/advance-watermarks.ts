import { WatermarkConflictError } from "@etl/ops";
import type { IngestDeps, IngestRun } from "./ingest-run";
import { watermarkOf } from "./ingest-run";

/**
 * Moves every table's watermark to the snapshot's upper bound, changed or not (the range was
 * read whole), in one conditional write, once the manifest exists. A bound held below a table's
 * watermark (a transaction open since before it) leaves that table. Resolves a note for the
 * run's audit item when another run advanced them first.
 */
export async function advanceWatermarks(
  deps: IngestDeps,
  run: IngestRun,
  watermarks: Record<string, string | null>,
  upperBound: string,
  manifestKey: string,
): Promise<string | undefined> {
  const updates = run.tables
    .map((table) => ({ name: watermarkOf(table), from: watermarks[watermarkOf(table)] ?? null }))
    .filter((u) => u.from === null || u.from < upperBound)
    .map((u) => ({ ...u, to: upperBound }));
  try {
    await deps.state.advanceWatermarks(updates, run.runId);
    return undefined;
  } catch (error) {
    if (!(error instanceof WatermarkConflictError)) throw error;
    // The manifest is out: this run is a consistent snapshot of (from, upper], every later
    // step is idempotent on versions it shares with the other run, and the next run reads
    // from the other run's bound. Nothing failed; an alert would only call for a needless fix.
    deps.logger?.warn("ingest run overlapped another; the watermarks stay where that run put them", {
      runId: run.runId,
      manifestKey,
      conflicts: error.conflicts,
    });
    return `another run advanced the watermarks first; this run's manifest stays valid: ${error.message}`;
  }
}
