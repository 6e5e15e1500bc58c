import type { ChartModel, ListModel, PageModel } from "./page-model";
import { iso, latency, num, type Run, rowsPerRun, rowsPerTable, runsOverTime, text } from "./pipeline-charts";
import { landedFilesSql, recentRunsSql, tablesOfRunsSql } from "./queries";
import type { Snapshot, WarehouseNames } from "./snapshot";
import type { WarehouseReader } from "./warehouse-reader";

/** A failure the pipeline recorded (the failure table, DynamoDB on AWS). */
export interface FailureEntry {
  at: string;
  stage: string;
  runId: string;
  error: string;
  table?: string;
  key?: string;
}

/** Messages a queue gave up on. */
export interface DeadLetterEntry {
  queue: string;
  count: number;
  oldest?: string;
}

/** What a stage held back of a run (`quarantine/<stage>/<runId>/...`): which tables, how many rows. */
export interface QuarantineEntry {
  stage: string;
  runId: string;
  /** The held rows' tables (and whether they were retried), or the object kept aside. */
  key: string;
  rows?: number;
}

/** A change ingest saw in the source's shape: a column it keeps but ignores, a table it does not read. */
export interface DriftEntry {
  kind: "added-column" | "new-table";
  table: string;
  column?: string;
  type?: string;
  firstSeenAt: string;
  firstSeenRunId: string;
}

/**
 * What the pipeline records outside the warehouse. A kind left out is one this deployment does
 * not record (or the dashboard cannot read): its section says so rather than "none".
 */
export interface PipelineRecords {
  failures?(): Promise<FailureEntry[]>;
  deadLetters?(): Promise<DeadLetterEntry[]>;
  quarantined?(): Promise<QuarantineEntry[]>;
  drift?(): Promise<DriftEntry[]>;
}

const RUNS_SHOWN = 50;

async function fromSource<T>(
  what: string,
  read: (() => Promise<T[]>) | undefined,
  notices: string[],
): Promise<T[] | undefined> {
  if (!read) return undefined;
  try {
    return await read();
  } catch (error) {
    notices.push(`could not read the ${what}: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
}

/** Runs, latency, rows per run and table, failures, quarantine, drift and dead letters. */
export async function pipelinePage(
  reader: WarehouseReader,
  names: WarehouseNames,
  snapshot: Snapshot,
  records: PipelineRecords,
): Promise<PageModel> {
  const notices: string[] = [];
  const runRows = await reader.query(recentRunsSql(names.control), { limit: RUNS_SHOWN });
  const runs: Run[] = runRows
    .map((r) => ({
      runId: text(r.run_id),
      status: text(r.status),
      started: num(r.started_epoch),
      finished: r.finished_epoch === null || r.finished_epoch === undefined ? null : num(r.finished_epoch),
      files: num(r.files),
      rows: num(r.rows_read),
      inserted: r.inserted === null || r.inserted === undefined ? null : num(r.inserted),
      updated: r.updated === null || r.updated === undefined ? null : num(r.updated),
    }))
    .reverse();
  const tableRows = await reader.query(tablesOfRunsSql(names.control), { limit: RUNS_SHOWN });
  const landed = await reader.query(landedFilesSql(names.control));
  const [failures, deadLetters, quarantined, drift] = await Promise.all([
    fromSource("failure records", records.failures, notices),
    fromSource("dead-letter queues", records.deadLetters, notices),
    fromSource("quarantined inputs", records.quarantined, notices),
    fromSource("schema drift records", records.drift, notices),
  ]);

  const charts: ChartModel[] = [
    runsOverTime(runs),
    latency(runs, snapshot.changes),
    rowsPerRun(runs, tableRows),
  ];
  charts.push(rowsPerTable(tableRows));
  const failedRuns = runs.filter((r) => r.status !== "FINISHED");
  const lists: ListModel[] = [
    {
      id: "runs",
      title: `Newest runs loaded (${runs.length})`,
      columns: [
        { header: "run", kind: "text" },
        { header: "status", kind: "text" },
        { header: "started", kind: "time" },
        { header: "finished", kind: "time" },
        { header: "files", kind: "count" },
        { header: "rows read", kind: "count" },
        { header: "inserted", kind: "count" },
        { header: "updated", kind: "count" },
      ],
      rows: [...runs]
        .reverse()
        .map((r) => [
          r.runId,
          r.status,
          iso(r.started),
          r.finished === null ? null : iso(r.finished),
          r.files,
          r.rows,
          r.inserted,
          r.updated,
        ]),
      empty: "No run has been loaded into this warehouse yet.",
    },
    {
      id: "failures",
      title: "Failures",
      columns: [
        { header: "at", kind: "time" },
        { header: "stage", kind: "text" },
        { header: "run", kind: "text" },
        { header: "what", kind: "text" },
        { header: "error", kind: "text" },
      ],
      rows: [
        ...failedRuns.map((r) => [iso(r.started), "load", r.runId, "run", `ledger status ${r.status}`]),
        ...(failures ?? []).map((f) => [f.at, f.stage, f.runId, f.table ?? f.key ?? "", f.error]),
      ],
      empty:
        failures === undefined
          ? "None recorded in the run ledger; the failure records are not read here."
          : "None recorded.",
    },
    {
      id: "quarantine",
      title: "Quarantined inputs",
      columns: [
        { header: "stage", kind: "text" },
        { header: "run", kind: "text" },
        { header: "held", kind: "text" },
        { header: "rows", kind: "count" },
      ],
      rows: (quarantined ?? []).map((q) => [q.stage, q.runId, q.key, q.rows ?? null]),
      empty: quarantined === undefined ? "None recorded: not read here." : "None recorded.",
    },
    {
      id: "drift",
      title: "Schema drift",
      columns: [
        { header: "change", kind: "text" },
        { header: "table", kind: "text" },
        { header: "column", kind: "text" },
        { header: "type", kind: "text" },
        { header: "first seen", kind: "time" },
        { header: "by run", kind: "text" },
      ],
      rows: (drift ?? []).map((d) => [
        d.kind === "new-table" ? "new table, not ingested" : "added column, ignored",
        d.table,
        d.column ?? "",
        d.type ?? "",
        d.firstSeenAt,
        d.firstSeenRunId,
      ]),
      empty: drift === undefined ? "None recorded: not read here." : "None recorded.",
    },
    {
      id: "dead-letters",
      title: "Dead letters",
      columns: [
        { header: "queue", kind: "text" },
        { header: "messages", kind: "count" },
        { header: "oldest", kind: "time" },
      ],
      rows: (deadLetters ?? []).filter((d) => d.count > 0).map((d) => [d.queue, d.count, d.oldest ?? null]),
      empty: deadLetters === undefined ? "None recorded: not read here." : "None recorded.",
    },
    {
      id: "landed",
      title: "Landed files loaded by rule",
      columns: [
        { header: "table", kind: "text" },
        { header: "files", kind: "count" },
        { header: "rows", kind: "count" },
        { header: "last loaded", kind: "time" },
      ],
      rows: landed.map((l) => [
        text(l.table_name),
        num(l.files),
        num(l.rows_read),
        iso(num(l.last_loaded_epoch)),
      ]),
      empty: "None recorded.",
    },
  ];
  return {
    id: "pipeline",
    title: "Pipeline health",
    figures: [
      { id: "runs", label: "runs shown", kind: "count", value: runs.length },
      { id: "failed-runs", label: "runs not finished", kind: "count", value: failedRuns.length },
      {
        id: "failures",
        label: "failures recorded",
        kind: "count",
        value: (failures ?? []).length + failedRuns.length,
      },
      {
        id: "dead-letters",
        label: "dead letters",
        kind: "count",
        value: (deadLetters ?? []).reduce((n, d) => n + d.count, 0),
      },
    ],
    charts,
    lists,
    notices,
    source: "",
  };
}
