import {
  SCHEMA_DRIFT_NAMESPACE,
  type SchemaDriftRecord,
  type SourceDrift,
  schemaDriftId,
} from "@etl/schemas";
import type { IngestDeps, IngestRun } from "./ingest-run";

/** The changes of a drift that do not stop the run: added columns and new tables. */
function changesOf(drift: SourceDrift, run: IngestRun): SchemaDriftRecord[] {
  const seen = { firstSeenRunId: run.runId, firstSeenAt: run.startedAt.toISOString() };
  return [
    ...Object.entries(drift.added).flatMap(([table, columns]) =>
      (columns ?? []).map((c) => ({
        kind: "added-column" as const,
        table,
        column: c.name,
        type: c.type,
        ...seen,
      })),
    ),
    ...drift.newTables.map((table) => ({ kind: "new-table" as const, table, ...seen })),
  ];
}

function subjectOf(change: SchemaDriftRecord): string {
  return change.kind === "new-table"
    ? `new source table ${change.table}, not ingested`
    : `new column ${change.table}.${change.column}, ignored`;
}

/**
 * Records each added column and new table in the state table the first time a run sees it, and
 * alerts it then, once: later runs that see the same change find its record and stay quiet. The
 * alert goes out before the record is written, so a failure between the two repeats the alert
 * at the next run rather than losing it. Resolves the changes alerted.
 */
export async function reportDrift(
  deps: IngestDeps,
  run: IngestRun,
  drift: SourceDrift,
): Promise<SchemaDriftRecord[]> {
  const alerted: SchemaDriftRecord[] = [];
  for (const change of changesOf(drift, run)) {
    const id = schemaDriftId(change);
    if (await deps.state.getRecord(SCHEMA_DRIFT_NAMESPACE, id)) continue;
    await deps.alerter.alert({
      stage: "ingest",
      runId: run.runId,
      table: change.table,
      subject: subjectOf(change),
      detail: {
        ...change,
        action:
          change.kind === "new-table"
            ? "the table is not read; to carry it into the warehouse, add it to the source contract and the star (a code change)"
            : "the raw files keep the column and the transform ignores it; to carry it into the warehouse, follow docs/schema-change.md",
      },
    });
    await deps.state.putRecord(SCHEMA_DRIFT_NAMESPACE, id, { ...change }, { ifAbsent: true });
    alerted.push(change);
  }
  return alerted;
}
