import type pg from "pg";
import { isPlainIdentifier, qualified, quoteIdent } from "../sql";
import { run } from "./run-statement";
import { type TablePlan, targetTable } from "./statements";

// The first load of a large dimension with its primary key built once, after the rows are in,
// instead of a btree insert per row (see `dimensionKeySql`).

/**
 * Rows from which a dimension's first load drops and rebuilds its primary key. Below it the
 * per-row btree inserts cost less than dropping and adding the foreign keys that depend on it.
 */
export const REBUILD_DIMENSION_KEY_ROWS = 50_000;

/** A foreign key that references a table: where it is declared, its name and its definition. */
export interface ReferencingKey {
  schema: string;
  table: string;
  name: string;
  /** As `pg_get_constraintdef` gives it, e.g. `FOREIGN KEY (x) REFERENCES s.d(x) NOT ENFORCED`. */
  definition: string;
}

/** The foreign keys that reference the table `$1` (a quoted, qualified name). */
export const REFERENCING_KEYS_SQL =
  'select n.nspname as "schema", t.relname as "table", c.conname as "name", ' +
  'pg_get_constraintdef(c.oid) as "definition" from pg_constraint c ' +
  "join pg_class t on t.oid = c.conrelid join pg_namespace n on n.oid = t.relnamespace " +
  "where c.contype = 'f' and c.confrelid = to_regclass($1) order by n.nspname, t.relname, c.conname";

/**
 * The statements around a large dimension's first load: `before` drops the foreign keys that
 * reference it (a primary key cannot go while they depend on it) and then its primary key;
 * `after` adds the primary key again as `warehouseDdl` declares it, built by one sort (a key
 * twice fails here, 23505, and the run merges instead), then each foreign key exactly as the
 * catalog defined it. With `NOT ENFORCED` keys (or none) nothing is validated; an enforced one
 * checks its table, which references a dimension that was empty.
 *
 * Undefined when a referencing key's table or name is one `quoteIdent` refuses (a key someone
 * added by hand): the dimension then keeps its key and is loaded as a small one.
 */
export function dimensionKeySql(
  plan: TablePlan,
  referencing: readonly ReferencingKey[],
): { before: string[]; after: string[] } | undefined {
  if (!referencing.every((k) => [k.schema, k.table, k.name].every(isPlainIdentifier))) return undefined;
  const target = targetTable(plan);
  const primary = quoteIdent(`${plan.table}_pkey`);
  const keys = plan.keys.map(quoteIdent).join(", ");
  const on = (k: ReferencingKey) => `alter table ${qualified(k.schema, k.table)}`;
  return {
    before: [
      ...referencing.map((k) => `${on(k)} drop constraint ${quoteIdent(k.name)}`),
      `alter table ${target} drop constraint ${primary}`,
    ],
    after: [
      `alter table ${target} add constraint ${primary} primary key (${keys})`,
      // The definition is PostgreSQL's own text for a constraint it holds, not input.
      ...referencing.map((k) => `${on(k)} add constraint ${quoteIdent(k.name)} ${k.definition}`),
    ],
  };
}

/** `dimensionKeySql` for the foreign keys the warehouse has now (none to run if undefined). */
export async function dimensionKeyStatements(
  client: pg.ClientBase,
  plan: TablePlan,
): Promise<{ before: string[]; after: string[] }> {
  const result = await run<ReferencingKey>(client, REFERENCING_KEYS_SQL, [targetTable(plan)], {
    table: plan.table,
  });
  return dimensionKeySql(plan, result.rows) ?? { before: [], after: [] };
}
