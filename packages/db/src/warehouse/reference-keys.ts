import { type FactTable, isFactTable, STAR_REFERENCES } from "@etl/schemas";
import { daysToIsoDate } from "./copy-text";
import type { TablePlan } from "./statements";

/**
 * Distinct keys a column may hold before it is left to the per-row check: a date, staff or
 * design reference holds at most a few thousand, a reference like `transaction_id` as many as
 * the rows (1.42M at 1M orders), which would cost tens of MB here to save nothing.
 */
export const MAX_COLLECTED_KEYS = 16_384;

/**
 * The distinct values of a fact's reference columns in the rows encoded for COPY, collected
 * while the file is decoded: the reference check then probes each dimension once per distinct
 * key (a few thousand) instead of once per row (millions), see `referenceCheckSql`. A column
 * whose keys pass `MAX_COLLECTED_KEYS` is dropped and checked per row as before.
 *
 * Keys are kept as the decoder gives them and turned into the very text the COPY wrote
 * (`CopyTextWriter`), so PostgreSQL parses the checked keys exactly as it parsed the rows.
 */
export class ReferenceKeys {
  /** Per reference column: its distinct values, or undefined once it had too many. */
  private readonly sets = new Map<string, Set<unknown> | undefined>();
  private readonly dates = new Set<string>();

  constructor(columns: readonly { name: string; type: string }[]) {
    for (const c of columns) {
      this.sets.set(c.name, new Set());
      if (c.type === "date") this.dates.add(c.name);
    }
  }

  /** A collector for the reference columns of `plan` (none for a dimension). */
  static of(plan: TablePlan): ReferenceKeys | undefined {
    if (!isFactTable(plan.table)) return undefined;
    const refs = new Set(STAR_REFERENCES[plan.table as FactTable].map((r) => r.column));
    return new ReferenceKeys(plan.columns.filter((c) => refs.has(c.name)));
  }

  /** Adds the values of rows `[from, to)` of a column's vector (nulls are no key). */
  add(column: string, vector: ArrayLike<unknown>, from: number, to: number): void {
    const set = this.sets.get(column);
    if (!set) return;
    for (let r = from; r < to; r++) {
      const value = vector[r];
      if (value === null || value === undefined) continue;
      set.add(value);
      if (set.size > MAX_COLLECTED_KEYS) {
        // Dropped at once: a set of as many keys as rows would only grow and be thrown away.
        this.sets.set(column, undefined);
        return;
      }
    }
  }

  /** Adds another file's keys, column by column; a column either had too many stays dropped. */
  merge(other: ReferenceKeys): void {
    for (const [column, set] of this.sets) {
      const theirs = other.sets.get(column);
      if (!set) continue;
      if (!theirs) {
        this.sets.set(column, undefined);
        continue;
      }
      for (const value of theirs) set.add(value);
      if (set.size > MAX_COLLECTED_KEYS) this.sets.set(column, undefined);
    }
  }

  /** The columns whose keys are complete, each with its keys as COPY text. */
  complete(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const [column, set] of this.sets) {
      if (!set) continue;
      const date = this.dates.has(column);
      out.set(
        column,
        Array.from(set, (v) => (date && typeof v === "number" ? daysToIsoDate(v) : keyText(v))),
      );
    }
    return out;
  }
}

/** An integer key as `CopyTextWriter` writes it (a number's digits, a bigint's digits). */
function keyText(value: unknown): string {
  return typeof value === "bigint" ? value.toString() : String(value);
}
