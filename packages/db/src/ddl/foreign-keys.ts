import { FACT_TABLE_NAMES, type FactTable, STAR_REFERENCES, type StarReference } from "@etl/schemas";
import { qualified, quoteIdent } from "../sql";

/**
 * How the PostgreSQL warehouse declares what each fact column references (`STAR_REFERENCES`):
 *
 * - `enforced`: foreign keys, checked row by row by their triggers (the warehouses before this
 *   choice);
 * - `not-enforced`: foreign keys declared `NOT ENFORCED` (PostgreSQL 18 and later): the catalog
 *   still says what references what, the triggers are gone;
 * - `none`: no foreign keys (older servers, which cannot declare one without enforcing it): each
 *   fact column's comment says what it references.
 *
 * Whatever the mode, the load checks every staged fact row's references set-based before the
 * merge (`referenceCheckSql`), so no bad reference gets in through the loader. Measured at 1M
 * orders (apps/load/README.md, "Referential integrity"), the triggers took most of the load's time.
 */
export type ForeignKeyMode = "enforced" | "not-enforced" | "none";

/** `server_version_num` of the first release with `NOT ENFORCED` foreign keys. */
export const NOT_ENFORCED_FOREIGN_KEYS_SINCE = 180000;

/** The mode the migration gives a warehouse on a server of `server_version_num`. */
export function foreignKeyModeFor(serverVersionNum: number): ForeignKeyMode {
  return serverVersionNum >= NOT_ENFORCED_FOREIGN_KEYS_SINCE ? "not-enforced" : "none";
}

export function foreignKeyName(fact: FactTable, ref: StarReference): string {
  return `${fact}_${ref.column}_fkey`;
}

/** The constraint's definition (after `constraint <name>`), or undefined in mode `none`. */
export function foreignKeyDefinition(
  schema: string,
  ref: StarReference,
  mode: ForeignKeyMode,
): string | undefined {
  if (mode === "none") return undefined;
  return (
    `foreign key (${quoteIdent(ref.column)}) references ${qualified(schema, ref.table)} (${quoteIdent(ref.references)})` +
    (mode === "not-enforced" ? " not enforced" : "")
  );
}

/** A foreign key a warehouse has, as `pg_constraint` says (`enforced` is true before PostgreSQL 18). */
export interface ExistingForeignKey {
  table: string;
  name: string;
  enforced: boolean;
}

/** Every foreign key of the tables in schema `$1`; `conenforced` exists from PostgreSQL 18 on. */
export function existingForeignKeysSql(serverVersionNum: number): string {
  const enforced = serverVersionNum >= NOT_ENFORCED_FOREIGN_KEYS_SINCE ? "c.conenforced" : "true";
  return (
    `select t.relname as "table", c.conname as "name", ${enforced} as "enforced" from pg_constraint c ` +
    "join pg_class t on t.oid = c.conrelid join pg_namespace n on n.oid = t.relnamespace " +
    "where c.contype = 'f' and n.nspname = $1"
  );
}

/**
 * What brings the foreign keys of an existing warehouse to `mode`, given those it has; empty when
 * they are there already, so the migration is idempotent. Only the keys this code declares are
 * touched. `not-enforced`: enforced keys are altered `NOT ENFORCED` (no table rewrite), missing
 * ones added `NOT ENFORCED` (no validation scan); `none`: the keys are dropped, and every
 * reference is written in its column's comment.
 */
export function foreignKeyMigrationSql(
  schema: string,
  mode: ForeignKeyMode,
  existing: readonly ExistingForeignKey[],
): string[] {
  if (mode === "enforced") return [];
  const has = new Map(existing.map((k) => [`${k.table}.${k.name}`, k]));
  const out: string[] = [];
  for (const fact of FACT_TABLE_NAMES) {
    const table = qualified(schema, fact);
    for (const ref of STAR_REFERENCES[fact]) {
      const name = foreignKeyName(fact, ref);
      const found = has.get(`${fact}.${name}`);
      if (mode === "none") {
        if (found) out.push(`alter table ${table} drop constraint if exists ${quoteIdent(name)}`);
        const what = `references ${qualified(schema, ref.table)} (${quoteIdent(ref.references)}), checked by the load`;
        out.push(`comment on column ${table}.${quoteIdent(ref.column)} is '${what.replace(/'/g, "''")}'`);
      } else if (!found) {
        out.push(
          `alter table ${table} add constraint ${quoteIdent(name)} ${foreignKeyDefinition(schema, ref, mode)}`,
        );
      } else if (found.enforced) {
        out.push(`alter table ${table} alter constraint ${quoteIdent(name)} not enforced`);
      }
    }
  }
  return out;
}
