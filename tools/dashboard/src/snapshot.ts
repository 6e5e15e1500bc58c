import { qualified } from "@etl/db";
import { changeWindowsSql, factCountsSql, ledgerVersionSql, PAYMENTS, PURCHASES, rollupSql, SALES, type StarSpec } from "./queries";
import type { Row, WarehouseReader } from "./warehouse-reader";

export type StarName = "sales" | "purchases" | "payments";

/** One line of a star's rollup: a day, a currency, and either the totals or one cut's label. */
export interface RollupRow {
  day: string;
  currency: string;
  /** `total`, or the cut's name (`counterparty`, `design`, ...). */
  cut: string;
  label: string;
  facts: number;
  quantity: number;
  cents: number;
}

/** How old the source changes of one run were when it committed (sales orders). */
export interface RunChanges {
  runId: string;
  versions: number;
  /** Epoch seconds of the oldest and newest change the run carried. */
  oldest: number;
  newest: number;
}

/** The heavy figures of one state of the warehouse, computed once per ledger version. */
export interface Snapshot {
  version: string;
  builtAt: string;
  buildMs: number;
  facts: Record<StarName, number>;
  rollups: Record<StarName, RollupRow[]>;
  changes: RunChanges[];
}

export const STARS: Record<StarName, StarSpec> = { sales: SALES, purchases: PURCHASES, payments: PAYMENTS };

export interface WarehouseNames {
  schema: string;
  control: string;
}

export const DEFAULT_NAMES: WarehouseNames = { schema: "warehouse", control: "etl" };

const num = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));
const text = (v: unknown) => (v === null || v === undefined ? "" : String(v));

/** The ledger's state as one string: equal strings, equal warehouse. */
export async function ledgerVersion(reader: WarehouseReader, names: WarehouseNames): Promise<string> {
  const [row] = await reader.query(ledgerVersionSql(names.control));
  return JSON.stringify(row ?? {});
}

function toRollup(spec: StarSpec, rows: Row[]): RollupRow[] {
  return rows.map((r) => {
    const cut = spec.cuts.find((c) => num(r[`cut_${c.name}`]) === 0);
    return {
      day: text(r.day),
      currency: text(r.currency) || "?",
      cut: cut?.name ?? "total",
      label: cut ? text(r[`label_${cut.name}`]) || "(none)" : "",
      facts: num(r.facts),
      quantity: num(r.quantity),
      cents: num(r.cents),
    };
  });
}

/** The ingest time a run id starts with (`20261123T141500123Z-...`), as `YYYY-MM-DD HH:MM:SS.mmm`. */
export function runIngestTime(runId: string): string | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z/.exec(runId);
  if (!m) return undefined;
  return `${m[1]}-${m[2]}-${m[3]} ${m[4]}:${m[5]}:${m[6]}.${m[7]}`;
}

/** Which run carried each sales-order version, by the runs' ingest times (the newest `limit` runs). */
async function runChanges(reader: WarehouseReader, names: WarehouseNames, limit: number): Promise<RunChanges[]> {
  const runs = await reader.query(
    `select run_id from ${qualified(names.control, "load_runs")} where status = 'FINISHED' order by run_id desc limit :limit`,
    { limit: limit + 1 },
  );
  const timed = runs
    .map((r) => ({ runId: text(r.run_id), at: runIngestTime(text(r.run_id)) }))
    .filter((r): r is { runId: string; at: string } => r.at !== undefined)
    .reverse();
  if (timed.length === 0) return [];
  // The oldest run fetched only bounds the window of the next: with fewer runs than asked for,
  // it is the first run, and every version before it was carried by it.
  const first = timed.length <= limit ? undefined : timed.shift();
  const params: Record<string, string> = { since: first?.at ?? "0001-01-01 00:00:00" };
  timed.forEach((r, i) => {
    params[`t${i}`] = r.at;
  });
  const rows = await reader.query(changeWindowsSql(names.schema, "fact_sales_order", timed.length), params);
  return rows
    .map((r) => ({ index: num(r.run_index), row: r }))
    .sort((a, b) => a.index - b.index)
    .map(({ index, row }) => ({
      runId: timed[index]?.runId ?? "",
      versions: num(row.versions),
      oldest: num(row.oldest_epoch),
      newest: num(row.newest_epoch),
    }));
}

/** Reads every heavy figure of the warehouse as it stands. */
export async function buildSnapshot(
  reader: WarehouseReader,
  names: WarehouseNames = DEFAULT_NAMES,
  now: () => number = Date.now,
): Promise<Snapshot> {
  const started = now();
  const version = await ledgerVersion(reader, names);
  const [counts] = await reader.query(factCountsSql(names.schema));
  const facts: Record<StarName, number> = {
    sales: num(counts?.fact_sales_order),
    purchases: num(counts?.fact_purchase_order),
    payments: num(counts?.fact_payment),
  };
  const rollups: Record<StarName, RollupRow[]> = { sales: [], purchases: [], payments: [] };
  for (const star of Object.keys(STARS) as StarName[]) {
    if (facts[star] === 0) continue;
    rollups[star] = toRollup(STARS[star], await reader.query(rollupSql(names.schema, STARS[star])));
  }
  const changes = facts.sales > 0 ? await runChanges(reader, names, 50) : [];
  return { version, builtAt: new Date(now()).toISOString(), buildMs: now() - started, facts, rollups, changes };
}
