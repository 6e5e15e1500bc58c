import type { KeyRangeEnd } from "@etl/db/source";
import type { StateStore } from "@etl/ops";
import { isSourceTable, type SourceTable } from "@etl/schemas";
import { watermarkOf } from "./ingest-run";

/** The state-table namespace of the first-load cursors (id: the table). */
export const FIRST_LOAD_NAMESPACE = "ingest-first-load";

/**
 * The order first snapshots are read in when they take more than one run: the tables the
 * transform keeps as reference state (and `transaction`, which `fact_payment` refers to in the
 * warehouse) before the facts, so every reference a fact row holds was delivered by an earlier
 * run or this one, and never fails as `MISSING_REFERENCE`.
 */
export const FIRST_LOAD_ORDER: readonly SourceTable[] = [
  "address",
  "counterparty",
  "currency",
  "department",
  "design",
  "staff",
  "payment_type",
  "transaction",
  "sales_order",
  "purchase_order",
  "payment",
];

/** Where a table's first load, read in key ranges over several runs, has got to. */
export interface FirstLoadCursor {
  /** The upper bound of the run that read the first range: every range reads up to it. */
  bound: string;
  /** The last primary key of the ranges read so far. */
  lastKey: number;
  /** The run that moved the cursor last: the compare-and-set's expected value, with `lastKey`. */
  runId: string;
}

/** What a run does with one table. */
export type TableStep =
  /** Read as always: the rows changed since the watermark (from the start on a first load that fits). */
  | { table: SourceTable; read: "changes" }
  /**
   * Read the first snapshot's rows with `after < key <= upTo` and `last_updated <= bound`
   * (`upTo` null: no key is left). `last`: the first load ends with this range.
   */
  | {
      table: SourceTable;
      read: "range";
      after: number | null;
      upTo: number | null;
      last: boolean;
      bound: string;
      cursor?: FirstLoadCursor;
    }
  /** Not read: a first load ahead of it in `FIRST_LOAD_ORDER` is not finished. */
  | { table: SourceTable; read: "wait" };

export type RangeStep = Extract<TableStep, { read: "range" }>;

export interface RunPlan {
  steps: TableStep[];
}

export interface PlanInputs {
  tables: readonly SourceTable[];
  watermarks: Record<string, string | null>;
  cursors: ReadonlyMap<SourceTable, FirstLoadCursor>;
  /** Source rows one run may read for first loads; undefined: no budget, a first snapshot is read whole. */
  allowanceRows: number | undefined;
  /** This run's upper bound: the bound of a first load that starts now. */
  upperBound: string;
  /** The planner's estimate of a table's rows, used only to skip a probe when it is far below the allowance. */
  estimate(table: SourceTable): Promise<number>;
  rangeEnd(table: SourceTable, after: number | null, rows: number): Promise<KeyRangeEnd>;
}

/**
 * Plans which tables a run reads and how. A table with a watermark is read from it, as always.
 * Tables without one (first loads) are taken in `FIRST_LOAD_ORDER` against the run's allowance
 * of rows: a first snapshot that fits is read whole; the first that does not is read in a
 * primary-key range of what is left of the allowance (continuing its cursor when it has one),
 * and the first loads after it wait for it to finish. Without a budget and without cursors
 * nothing is probed and every table is read as before.
 */
export async function planFirstLoads(inputs: PlanInputs): Promise<RunPlan> {
  const { cursors, watermarks } = inputs;
  const hasWatermark = (t: SourceTable) => (watermarks[watermarkOf(t)] ?? null) !== null;
  const ordered = [
    ...FIRST_LOAD_ORDER.filter((t) => inputs.tables.includes(t)),
    ...inputs.tables.filter((t) => !FIRST_LOAD_ORDER.includes(t)),
  ];
  const live = [...cursors.keys()].some((t) => inputs.tables.includes(t) && !hasWatermark(t));
  if (inputs.allowanceRows === undefined && !live) {
    return { steps: ordered.map((table) => ({ table, read: "changes" })) };
  }
  let remaining = inputs.allowanceRows ?? Number.MAX_SAFE_INTEGER;
  let blocked = false;
  const steps: TableStep[] = [];
  for (const table of ordered) {
    if (hasWatermark(table)) {
      steps.push({ table, read: "changes" });
      continue;
    }
    const cursor = cursors.get(table);
    if (blocked || (remaining <= 0 && !cursor)) {
      blocked = true;
      steps.push({ table, read: "wait" });
      continue;
    }
    if (!cursor) {
      const estimate = await inputs.estimate(table);
      // Far below what is left: not worth a probe (the estimate tracks the table's pages).
      if (estimate * 2 <= remaining) {
        remaining -= estimate;
        steps.push({ table, read: "changes" });
        continue;
      }
    }
    // A continued first load always reads something, so every run moves it forward.
    const end = await inputs.rangeEnd(table, cursor?.lastKey ?? null, Math.max(1, remaining));
    remaining -= end.keys;
    if (!cursor && end.last) {
      steps.push({ table, read: "changes" });
      continue;
    }
    const bound = cursor?.bound ?? inputs.upperBound;
    const after = cursor?.lastKey ?? null;
    steps.push({
      table,
      read: "range",
      after,
      upTo: end.upTo,
      last: end.last,
      bound,
      ...(cursor ? { cursor } : {}),
    });
    if (!end.last) blocked = true;
  }
  return { steps };
}

/** The tables read as always (their changes, or a first snapshot whole). */
export function tablesReadWhole(plan: RunPlan): SourceTable[] {
  return plan.steps.filter((s) => s.read === "changes").map((s) => s.table);
}

export function rangeSteps(plan: RunPlan): RangeStep[] {
  return plan.steps.filter((s): s is RangeStep => s.read === "range");
}

/**
 * The tables whose key sets this run compares and records: not those waiting, nor a first load
 * under way since an earlier run, whose key set stays the one recorded when it started, so rows
 * deleted while it runs are found by the first run after it ends.
 */
export function tablesToDetect(plan: RunPlan): SourceTable[] {
  return plan.steps
    .filter((s) => s.read === "changes" || (s.read === "range" && !s.cursor))
    .map((s) => s.table);
}

/**
 * Where each table's watermark moves once the manifest exists: a table read as always to the
 * run's bound; a first load that ends here to its first range's bound, so the runs after it read
 * again every row changed while it ran. Tables waiting or mid-way stay without a watermark.
 */
export function watermarkTargets(plan: RunPlan, upperBound: string): Partial<Record<SourceTable, string>> {
  const targets: Partial<Record<SourceTable, string>> = {};
  for (const step of plan.steps) {
    if (step.read === "changes") targets[step.table] = upperBound;
    else if (step.read === "range" && step.last) targets[step.table] = step.bound;
  }
  return targets;
}

/** The first loads this run leaves unfinished: the next run continues them. */
export function pendingFirstLoads(plan: RunPlan): { table: SourceTable; lastKey?: number }[] {
  return plan.steps.flatMap((s) => {
    if (s.read === "wait") return [{ table: s.table }];
    if (s.read === "range" && !s.last)
      return [{ table: s.table, ...(s.upTo === null ? {} : { lastKey: s.upTo }) }];
    return [];
  });
}

function cursorOf(data: Record<string, unknown>): FirstLoadCursor | undefined {
  const { bound, lastKey, runId } = data;
  if (typeof bound !== "string" || typeof lastKey !== "number" || typeof runId !== "string") return undefined;
  return { bound, lastKey, runId };
}

/** Every table's first-load cursor in the state table. */
export async function readFirstLoadCursors(state: StateStore): Promise<Map<SourceTable, FirstLoadCursor>> {
  const cursors = new Map<SourceTable, FirstLoadCursor>();
  for (const record of await state.listRecords(FIRST_LOAD_NAMESPACE)) {
    const cursor = cursorOf(record.data);
    if (cursor && isSourceTable(record.id)) cursors.set(record.id, cursor);
  }
  return cursors;
}

/**
 * Records how far each first load got, once the run's manifest exists and the watermarks moved:
 * a new cursor only where none exists, a moved one only where it still holds what this run
 * read (compare-and-set on `lastKey` and `runId`), and a finished one removed. A run that dies
 * before this leaves the cursors where they were, so the next run reads the same ranges again
 * (the versions it shares with this run's manifest are absorbed downstream). Resolves a note
 * for the run's audit item when another run moved a cursor first.
 */
export async function recordFirstLoadCursors(
  deps: { state: StateStore },
  run: { runId: string },
  plan: RunPlan,
): Promise<string | undefined> {
  const lost: SourceTable[] = [];
  for (const step of rangeSteps(plan)) {
    if (step.last) {
      if (step.cursor) await deps.state.deleteRecord(FIRST_LOAD_NAMESPACE, step.table);
      continue;
    }
    if (step.upTo === null) continue;
    const data = { bound: step.bound, lastKey: step.upTo, runId: run.runId };
    const moved = await deps.state.putRecord(
      FIRST_LOAD_NAMESPACE,
      step.table,
      data,
      step.cursor
        ? { ifData: { lastKey: step.cursor.lastKey, runId: step.cursor.runId } }
        : { ifAbsent: true },
    );
    if (!moved) lost.push(step.table);
  }
  if (lost.length === 0) return undefined;
  return `another run moved the first-load cursor of ${lost.join(", ")} first; this run's manifest stays valid`;
}
