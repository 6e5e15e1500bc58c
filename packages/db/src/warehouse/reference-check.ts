import { columnSpec, type FactTable, isFactTable, STAR_REFERENCES } from "@etl/schemas";
import { sqlType } from "../ddl/column-type";
import { qualified, quoteIdent } from "../sql";
import { stagingTable, type TablePlan } from "./statements";

/** Keys named per reference in a failure; the count says how many more there are. */
const NAMED_KEYS = 20;

/** One missing key: the fact column, the key as text, and how many distinct keys of it are missing. */
export interface MissingReference {
  column: string;
  key: string;
  missing: number;
}

function referencesOf(plan: TablePlan) {
  if (!isFactTable(plan.table)) throw new Error(`${plan.table} has no references`);
  return STAR_REFERENCES[plan.table as FactTable];
}

/**
 * The set-based check of a fact's staged rows: for each reference, one anti-join of the staging
 * table against the dimension (as the run's merges have left it, in the same transaction), the
 * first distinct missing keys and how many there are. No row: every reference holds. Run before
 * the fact's merge, it replaces the foreign keys' per-row triggers (see `ForeignKeyMode`). `rows`
 * is the table that holds the rows to check: staging, or the target a first load COPYed into.
 * A column in `keyed` is checked over the distinct keys the rows hold instead, passed as the
 * text array parameter `$n` at its position n (from 1) in `keyed`: the same keys, fewer probes.
 */
export function referenceCheckSql(
  plan: TablePlan,
  rows = stagingTable(plan),
  keyed: readonly string[] = [],
): string {
  return referencesOf(plan)
    .map((ref) => {
      const column = quoteIdent(ref.column);
      const dimension = `${qualified(plan.schema, ref.table)} d where d.${quoteIdent(ref.references)}`;
      const parameter = keyed.indexOf(ref.column) + 1;
      const type = sqlType(columnSpec(plan.table, ref.column), "postgres");
      // Every staged row probes the dimension (a hash anti-join), and only the missing keys are
      // made distinct: distinct keys first cost a hash of every key, as many as the rows for a
      // reference like transaction_id (1.42M at 1M orders), and measured 4x slower there. Keys
      // collected while encoding (`ReferenceKeys`, a text array parameter) probe it once each.
      const missing =
        parameter > 0
          ? `select distinct u.k::${type} as k from unnest($${parameter}::text[]) u(k) ` +
            `where not exists (select 1 from ${dimension} = u.k::${type})`
          : `select distinct s.${column} as k from ${rows} s where s.${column} is not null ` +
            `and not exists (select 1 from ${dimension} = s.${column})`;
      return (
        `(select '${ref.column}' as "column", m.k::text as "key", (count(*) over ())::int as "missing" ` +
        `from (${missing}) m order by m.k limit ${NAMED_KEYS})`
      );
    })
    .join(" union all ");
}

/** The failure's message: each reference with missing keys, its dimension and the keys. */
export function describeMissingReferences(plan: TablePlan, rows: readonly MissingReference[]): string {
  const parts: string[] = [];
  for (const ref of referencesOf(plan)) {
    const mine = rows.filter((r) => r.column === ref.column);
    const first = mine[0];
    if (!first) continue;
    const more = first.missing > mine.length ? ` and ${first.missing - mine.length} more` : "";
    parts.push(
      `${ref.column} -> ${ref.table}.${ref.references}: ${mine.map((r) => r.key).join(", ")}${more}`,
    );
  }
  return `${plan.table}: keys missing from their dimensions: ${parts.join("; ")}`;
}
