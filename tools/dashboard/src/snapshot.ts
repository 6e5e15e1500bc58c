import { qualified } from "@etl/db";
import {
  changeWindowsSql,
  currenciesSql,
  factCountsSql,
  labelsSql,
  ledgerVersionSql,
  PAYMENTS,
  PURCHASES,
  rollupSql,
  SALES,
  type StarSpec,
} from "./queries";

/**
 * The rollup reads every current fact: minutes at most, even at a million orders on a busy
 * machine. Pages never wait for it but the first time (see `createDashboard`).
 */
const BUILD_TIMEOUT_MS = 10 * 60_000;

import type { Row, WarehouseReader } from "./warehouse-reader";

export type StarName = "sales" | "purchases" | "payments";

/**
 * One cut of a star's rollup (or its totals), column by column: a day (`YYYYMMDD`), a currency
 * (index into the star's `currencies`), a key (index into `labels`) and the measures. Typed
 * arrays, so a page sums a million rows in milliseconds.
 */
export interface CutRollup {
  /** `total`, or the cut's name (`counterparty`, `design`, ...). */
  name: string;
  day: Int32Array;
  currency: Uint8Array;
  key: Int32Array;
  facts: Float64Array;
  quantity: Float64Array;
  cents: Float64Array;
  labels: string[];
}

export interface StarRollup {
  currencies: string[];
  cuts: CutRollup[];
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
  rollups: Record<StarName, StarRollup>;
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

/** An empty star: no currencies, the totals and every cut with no rows. */
export function emptyRollup(spec: StarSpec): StarRollup {
  return {
    currencies: [],
    cuts: ["total", ...spec.cuts.map((c) => c.name)].map((name) => toColumns(name, [], new Map(), () => 0)),
  };
}

function toColumns(
  name: string,
  rows: Row[],
  labels: Map<string, string>,
  currency: (id: unknown) => number,
): CutRollup {
  const n = rows.length;
  const cut: CutRollup = {
    name,
    day: new Int32Array(n),
    currency: new Uint8Array(n),
    key: new Int32Array(n),
    facts: new Float64Array(n),
    quantity: new Float64Array(n),
    cents: new Float64Array(n),
    labels: [],
  };
  const keys = new Map<string, number>();
  rows.forEach((r, i) => {
    const key = r.cut_key === null || r.cut_key === undefined ? "" : String(r.cut_key);
    let k = keys.get(key);
    if (k === undefined) {
      k = cut.labels.push(key === "" ? "(none)" : (labels.get(key) ?? key)) - 1;
      keys.set(key, k);
    }
    cut.day[i] = num(r.day);
    cut.currency[i] = currency(r.currency_id);
    cut.key[i] = k;
    cut.facts[i] = num(r.facts);
    cut.quantity[i] = num(r.quantity);
    cut.cents[i] = num(r.cents);
  });
  return cut;
}

async function readRollup(
  reader: WarehouseReader,
  names: WarehouseNames,
  spec: StarSpec,
  codes: Map<string, string>,
  timeoutMs: number,
): Promise<StarRollup> {
  const rows = await reader.query(rollupSql(names.schema, spec), {}, { timeoutMs });
  const currencies = [...new Set(rows.map((r) => codes.get(text(r.currency_id)) ?? "?"))].sort();
  const currency = (id: unknown) => currencies.indexOf(codes.get(text(id)) ?? "?");
  const byCut = new Map<number, Row[]>();
  for (const r of rows) {
    const c = num(r.cut);
    let list = byCut.get(c);
    if (!list) {
      list = [];
      byCut.set(c, list);
    }
    list.push(r);
  }
  const cuts = [toColumns("total", byCut.get(-1) ?? [], new Map(), currency)];
  for (const [i, c] of spec.cuts.entries()) {
    const labels = new Map<string, string>();
    if (c.labels)
      for (const l of await reader.query(labelsSql(names.schema, c))) labels.set(text(l.k), text(l.label));
    cuts.push(toColumns(c.name, byCut.get(i) ?? [], labels, currency));
  }
  return { currencies, cuts };
}

/** The ingest time a run id starts with (`20261123T141500123Z-...`), as `YYYY-MM-DD HH:MM:SS.mmm`. */
export function runIngestTime(runId: string): string | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z/.exec(runId);
  if (!m) return undefined;
  return `${m[1]}-${m[2]}-${m[3]} ${m[4]}:${m[5]}:${m[6]}.${m[7]}`;
}

/** Which run carried each sales-order version, by the runs' ingest times (the newest `limit` runs). */
async function runChanges(
  reader: WarehouseReader,
  names: WarehouseNames,
  limit: number,
): Promise<RunChanges[]> {
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
  const rows = await reader.query(changeWindowsSql(names.schema, "fact_sales_order", timed.length), params, {
    timeoutMs: BUILD_TIMEOUT_MS,
  });
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
  const codes = new Map(
    (await reader.query(currenciesSql(names.schema))).map((r) => [
      text(r.currency_id),
      text(r.currency_code),
    ]),
  );
  const rollups = {} as Record<StarName, StarRollup>;
  for (const star of Object.keys(STARS) as StarName[])
    rollups[star] =
      facts[star] === 0
        ? emptyRollup(STARS[star])
        : await readRollup(reader, names, STARS[star], codes, BUILD_TIMEOUT_MS);
  const changes = facts.sales > 0 ? await runChanges(reader, names, 50) : [];
  return {
    version,
    builtAt: new Date(now()).toISOString(),
    buildMs: now() - started,
    facts,
    rollups,
    changes,
  };
}
