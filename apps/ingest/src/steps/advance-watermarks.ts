import { WatermarkConflictError } from "@etl/ops";
import type { SourceTable } from "@etl/schemas";
import type { IngestDeps, IngestRun } from "./ingest-run";
import { watermarkOf } from "./ingest-run";

/**
 * Moves every table's watermark to its target (`watermarkTargets`: the snapshot's upper bound
 * for a table read whole, changed or not; a finished first load's own bound), in one
 * conditional write, once the manifest exists. A target below a table's watermark (a
 * transaction open since before it) leaves that table; a table without a target (a first load
 * under way or waiting) stays. Resolves a note for the run's audit item when another run
 * advanced them first.
 */
export async function advanceWatermarks(
  deps: IngestDeps,
  run: IngestRun,
  watermarks: Record<string, string | null>,
  targets: Partial<Record<SourceTable, string>>,
  manifestKey: string | undefined,
): Promise<string | undefined> {
  const updates = run.tables.flatMap((table) => {
    const to = targets[table];
    const from = watermarks[watermarkOf(table)] ?? null;
    return to !== undefined && (from === null || from < to) ? [{ name: watermarkOf(table), from, to }] : [];
  });
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
