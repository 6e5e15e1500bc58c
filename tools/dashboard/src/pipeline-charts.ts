import type { ChartModel } from "./page-model";
import { type RunChanges, runIngestTime } from "./snapshot";

/** The charts of the pipeline-health page, built from the run ledger's rows. */

export const num = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));
export const text = (v: unknown) => (v === null || v === undefined ? "" : String(v));
export const iso = (epochSeconds: number) => new Date(epochSeconds * 1000).toISOString();

export interface Run {
  runId: string;
  status: string;
  started: number;
  finished: number | null;
  files: number;
  rows: number;
  inserted: number | null;
  updated: number | null;
}

export function runsOverTime(runs: Run[]): ChartModel {
  const days = [...new Set(runs.map((r) => iso(r.started).slice(0, 10)))].sort();
  const statuses = [...new Set(runs.map((r) => r.status))].sort();
  return {
    id: "runs-over-time",
    title: "Runs loaded per day, by status",
    type: "bar",
    stacked: true,
    labelKind: "day",
    labelHeader: "day",
    labels: days,
    series: statuses.map((s) => ({
      name: s,
      kind: "count",
      values: days.map((d) => runs.filter((r) => r.status === s && iso(r.started).slice(0, 10) === d).length),
    })),
    empty: runs.length === 0 ? "No run has been loaded yet." : undefined,
  };
}

/**
 * Per finished run: seconds from its ingest (the time in its id) to the load's commit, and from
 * the newest and the oldest sales-order change it carried to that commit.
 */
export function latency(runs: Run[], changes: RunChanges[]): ChartModel {
  const finished = runs.filter((r) => r.status === "FINISHED" && r.finished !== null);
  const byRun = new Map(changes.map((c) => [c.runId, c]));
  const ingestEpoch = (runId: string) => {
    const at = runIngestTime(runId);
    return at ? Date.parse(`${at.replace(" ", "T")}Z`) / 1000 : null;
  };
  const round = (v: number) => Math.round(v * 10) / 10;
  const since = (from: number | null | undefined, to: number | null) =>
    from === null || from === undefined || to === null ? null : round(Math.max(0, to - from));
  return {
    id: "latency",
    title: "Latency to the warehouse, per run (seconds, logarithmic)",
    type: "line",
    logarithmic: true,
    labelKind: "text",
    labelHeader: "run",
    labels: finished.map((r) => r.runId),
    series: [
      {
        name: "ingest → committed",
        kind: "seconds",
        values: finished.map((r) => since(ingestEpoch(r.runId), r.finished)),
      },
      {
        name: "newest change → committed",
        kind: "seconds",
        values: finished.map((r) => since(byRun.get(r.runId)?.newest, r.finished)),
      },
      {
        name: "oldest change → committed",
        kind: "seconds",
        values: finished.map((r) => since(byRun.get(r.runId)?.oldest, r.finished)),
      },
    ],
    empty: finished.length === 0 ? "No run has finished loading yet." : undefined,
  };
}

export function rowsPerRun(runs: Run[], tableRows: Record<string, unknown>[]): ChartModel {
  const labels = runs.map((r) => r.runId);
  const tables = [...new Set(tableRows.map((t) => text(t.table_name)))].sort();
  return {
    id: "rows-per-run",
    title: "Rows read per run, by table",
    type: "bar",
    stacked: true,
    labelKind: "text",
    labelHeader: "run",
    labels,
    series: tables.map((t) => ({
      name: t,
      kind: "count",
      values: labels.map((run) => {
        const row = tableRows.find((r) => text(r.run_id) === run && text(r.table_name) === t);
        return row ? num(row.rows_read) : null;
      }),
    })),
    empty: tableRows.length === 0 ? "No table has been loaded yet." : undefined,
  };
}

export function rowsPerTable(tableRows: Record<string, unknown>[]): ChartModel {
  const tables = [...new Set(tableRows.map((t) => text(t.table_name)))].sort();
  const sum = (t: string, column: string) =>
    tableRows.filter((r) => text(r.table_name) === t).reduce((n, r) => n + num(r[column]), 0);
  return {
    id: "rows-per-table",
    title: "Rows per table over the runs shown",
    type: "bar",
    horizontal: true,
    labelKind: "text",
    labelHeader: "table",
    labels: tables,
    series: ["rows_read", "inserted", "updated"].map((column) => ({
      name: column === "rows_read" ? "read" : column,
      kind: "count",
      values: tables.map((t) => sum(t, column)),
    })),
    empty: tables.length === 0 ? "No table has been loaded yet." : undefined,
  };
}
