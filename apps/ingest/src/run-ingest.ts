import { toRunId } from "@etl/s3-io";
import { SOURCE_TABLE_NAMES } from "@etl/schemas";
import { advanceWatermarks } from "./steps/advance-watermarks";
import { recordKeySets } from "./steps/detect-deletions";
import { extractTables } from "./steps/extract-tables";
import { failIngest } from "./steps/fail-ingest";
import {
  auditItem,
  type IngestDeps,
  type IngestResult,
  type IngestRun,
  type IngestSettings,
  watermarkOf,
} from "./steps/ingest-run";
import {
  pendingFirstLoads,
  rangeSteps,
  readFirstLoadCursors,
  recordFirstLoadCursors,
  watermarkTargets,
} from "./steps/plan-first-loads";
import { reportDrift } from "./steps/report-drift";
import { writeRawManifest } from "./steps/write-raw-manifest";

export { KEY_SET_NAMESPACE, type KeySetPointer } from "./steps/detect-deletions";
export {
  DEFAULT_HOLD_WARNING_SECONDS,
  type IngestDeps,
  type IngestLogger,
  type IngestResult,
  type IngestSettings,
  type TableProgress,
} from "./steps/ingest-run";
export { FIRST_LOAD_NAMESPACE, FIRST_LOAD_ORDER } from "./steps/plan-first-loads";

/**
 * One ingest run: every allow-listed table's rows changed since its watermark, read from one
 * snapshot, written as gzip JSON Lines parts (`extractTables`); then the manifest, last
 * (`writeRawManifest`); then the watermarks, advanced with a conditional write only once the
 * manifest exists (`advanceWatermarks`). A failure anywhere leaves the watermarks untouched, so
 * the next run reads the same rows again: nothing is lost. Columns added to the source and new
 * source tables are recorded and alerted once each (`reportDrift`); a contract column dropped
 * or retyped refuses the run before anything is written. Rows deleted at the source since the
 * last recorded run are found by comparing key sets (`detectDeletions`, in the snapshot) and
 * declared in the manifest; the key sets are recorded after it (`recordKeySets`). A first snapshot
 * larger than the run's budget is read in primary-key ranges over consecutive runs
 * (`planFirstLoads`): each run's cursor moves after its manifest (`recordFirstLoadCursors`), and
 * the table's watermark only once its last range is read. Failures are reported by the
 * `@etl/ops` outcome policy and thrown (`failIngest`).
 */
export async function runIngest(settings: IngestSettings, deps: IngestDeps): Promise<IngestResult> {
  const startedAt = deps.clock();
  const sequence = await deps.state.nextSequence("ingest-run");
  const tables = settings.tables ?? SOURCE_TABLE_NAMES;
  const run: IngestRun = { runId: toRunId(startedAt, sequence), sequence, startedAt, tables };
  const { runId } = run;
  const durationMs = () => Date.now() - startedAt.getTime();
  try {
    const watermarks = await deps.state.getWatermarks(tables.map(watermarkOf));
    const cursors = await readFirstLoadCursors(deps.state);
    const extraction = await extractTables(settings, deps, run, watermarks, cursors);
    const { entries, progress, plan } = extraction;
    const pending = pendingFirstLoads(plan);
    const firstLoads = pending.length > 0 ? { firstLoadsPending: pending } : {};
    await reportDrift(deps, run, extraction.drift);
    const rows = entries.reduce((n, e) => n + e.rows, 0);
    const { deletions, keySets } = extraction.detection;
    const deleted = deletions.reduce((n, d) => n + d.file.rows, 0);
    const ranges = rangeSteps(plan);
    const targets = watermarkTargets(plan, extraction.snapshot.upperBound);
    if (rows === 0 && deleted === 0) {
      // A key range may hold no row older than its bound: its cursor still moves, and a first
      // load starting here keeps this run's key set, as a run with a manifest would.
      if (ranges.length > 0 && !(await advanceWatermarks(deps, run, watermarks, targets, undefined))) {
        await recordKeySets(settings, deps, run, keySets);
        await recordFirstLoadCursors(deps, run, plan);
      }
      await deps.audit.record([
        auditItem(run, settings, { key: "-", status: "FINISHED", rows: 0, durationMs: durationMs() }),
      ]);
      return { runId, sequence, tables: progress, rows: 0, deleted: 0, ...firstLoads };
    }
    const manifestKey = await writeRawManifest(settings, deps, run, extraction);
    const raced = await advanceWatermarks(deps, run, watermarks, targets, manifestKey);
    // A run that lost the watermark race leaves the key sets and cursors to the winner, as it does the watermarks.
    if (!raced) await recordKeySets(settings, deps, run, keySets);
    const note = raced ?? (await recordFirstLoadCursors(deps, run, plan));
    const finished = (fields: Parameters<typeof auditItem>[2]) => auditItem(run, settings, fields);
    await deps.audit.record([
      ...entries.flatMap((e) =>
        e.files.map((f) =>
          finished({ key: f.key, table: e.table, status: "FINISHED", rows: f.rows, size: f.bytes }),
        ),
      ),
      ...deletions.map((d) =>
        finished({
          key: d.file.key,
          table: d.table,
          status: "FINISHED",
          rows: d.file.rows,
          size: d.file.bytes,
          note: "keys of rows deleted at the source",
        }),
      ),
      finished({
        key: manifestKey,
        status: "FINISHED",
        rows,
        durationMs: durationMs(),
        ...(note ? { note } : {}),
      }),
    ]);
    return { runId, sequence, manifestKey, tables: progress, rows, deleted, ...firstLoads };
  } catch (error) {
    return failIngest(error, settings, deps, run);
  }
}
