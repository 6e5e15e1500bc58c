import {
  type ColumnSpec,
  DELETION_COLUMNS,
  FACT_TABLE_NAMES,
  type FactTable,
  hasDeletionColumns,
  STAR_COLUMNS,
  STAR_KEYS,
  STAR_REFERENCES,
  STAR_TABLE_NAMES,
  type StarTable,
  SURROGATE_KEYS,
} from "@etl/schemas";
import { qualified, quoteIdent } from "../sql";
import { type SqlDialect, sqlType } from "./column-type";
import { type AdditiveColumn, addColumnIfMissingSql } from "./control";
import { type ForeignKeyMode, foreignKeyDefinition, foreignKeyName } from "./foreign-keys";

const isFact = (table: StarTable): table is FactTable => (FACT_TABLE_NAMES as string[]).includes(table);
const list = (names: readonly string[]) => names.map(quoteIdent).join(", ");

/** The type with its default and nullability, in the order both dialects read (`default` first). */
function columnDefinition(c: ColumnSpec, dialect: SqlDialect): string {
  return `${sqlType(c, dialect)}${c.default === undefined ? "" : ` default ${c.default}`}${c.nullable ? "" : " not null"}`;
}

/** The warehouse-only columns of a star table: the deletion columns, on every table but `dim_date`. */
function warehouseOnlyColumns(table: StarTable): readonly ColumnSpec[] {
  return hasDeletionColumns(table) ? DELETION_COLUMNS : [];
}

function columnLines(table: StarTable, dialect: SqlDialect): string[] {
  return [...STAR_COLUMNS[table], ...warehouseOnlyColumns(table)].map(
    (c) => `${quoteIdent(c.name)} ${columnDefinition(c, dialect)}`,
  );
}

/**
 * Redshift distribution and sort keys. Dimensions are small and joined by every fact: a copy on
 * every node (`diststyle all`), sorted by their key for the merge. `dim_transaction` is the
 * exception: it grows with the facts (one row per order), so it is distributed on its key.
 * Facts are distributed on the natural id, so the merge from a staging table distributed the
 * same way joins without moving rows, and sorted by `last_updated_date` then the id: new versions
 * arrive in that order, so the table stays nearly sorted without a vacuum and date-bounded scans
 * skip blocks.
 */
function redshiftTableOptions(table: StarTable): string {
  const key = STAR_KEYS[table][0] ?? "";
  if (table === "dim_transaction")
    return `diststyle key distkey (${quoteIdent(key)}) sortkey (${quoteIdent(key)})`;
  if (!isFact(table)) return `diststyle all sortkey (${quoteIdent(key)})`;
  return `diststyle key distkey (${quoteIdent(key)}) compound sortkey (${list(["last_updated_date", key])})`;
}

function createTable(
  schema: string,
  table: StarTable,
  dialect: SqlDialect,
  foreignKeys: ForeignKeyMode = "enforced",
): string {
  const lines: string[] = [];
  if (isFact(table)) {
    const surrogate = quoteIdent(SURROGATE_KEYS[table]);
    lines.push(
      dialect === "postgres"
        ? `${surrogate} bigint generated always as identity`
        : `${surrogate} bigint identity(1,1) not null`,
    );
  }
  lines.push(...columnLines(table, dialect));
  if (isFact(table)) {
    lines.push(
      `constraint ${quoteIdent(`${table}_pkey`)} primary key (${quoteIdent(SURROGATE_KEYS[table])})`,
    );
    lines.push(`constraint ${quoteIdent(`${table}_natural_key`)} unique (${list(STAR_KEYS[table])})`);
    // Redshift accepts but never enforces foreign keys, and its planner trusts declared ones;
    // they are declared in PostgreSQL only (see ForeignKeyMode), and the load checks them.
    if (dialect === "postgres") {
      for (const ref of STAR_REFERENCES[table]) {
        const definition = foreignKeyDefinition(schema, ref, foreignKeys);
        if (definition) lines.push(`constraint ${quoteIdent(foreignKeyName(table, ref))} ${definition}`);
      }
    }
  } else {
    lines.push(`constraint ${quoteIdent(`${table}_pkey`)} primary key (${list(STAR_KEYS[table])})`);
  }
  const options = dialect === "redshift" ? ` ${redshiftTableOptions(table)}` : "";
  return `create table if not exists ${qualified(schema, table)} (\n  ${lines.join(",\n  ")}\n)${options}`;
}

/**
 * Star columns added after their table was first released (`added` in `STAR_COLUMNS`:
 * `source_updated_at` of every dimension but `dim_date`, and any column carried from the source
 * since, see docs/schema-change.md): nullable, added to existing tables by the migration; and the
 * deletion columns of every table but `dim_date` (docs/deletes.md).
 */
export function warehouseAdditiveColumns(schema: string, dialect: SqlDialect): AdditiveColumn[] {
  return STAR_TABLE_NAMES.flatMap((table) => [
    ...STAR_COLUMNS[table]
      .filter((c) => c.added === true)
      .map((c) => ({ schema, table, column: c.name, type: sqlType(c, dialect) })),
    // The deletion columns (hard deletes): `is_deleted` with its default, so every existing row
    // reads false; `deleted_at` nullable.
    ...warehouseOnlyColumns(table).map((c) => ({
      schema,
      table,
      column: c.name,
      type: columnDefinition(c, dialect),
    })),
  ]);
}

/**
 * The PostgreSQL warehouse: the schema and the eleven star tables in load order, idempotent; on a
 * warehouse created before `source_updated_at`, the column is added (`add column if not exists`).
 * Dimensions have their id as primary key; facts a `<x>_record_id` identity primary key the
 * warehouse assigns, a UNIQUE natural version key (`<id>`, `last_updated_date`,
 * `last_updated_time`) so a replay inserts nothing, and foreign keys to the dimensions (every
 * date column to `dim_date`), declared as `options.foreignKeys` says (`enforced` by default; the
 * migration chooses by server version, see `ForeignKeyMode`).
 *
 * @example
 * for (const sql of warehouseDdl("warehouse")) await client.query(sql);
 */
export function warehouseDdl(schema = "warehouse", options: { foreignKeys?: ForeignKeyMode } = {}): string[] {
  return [
    `create schema if not exists ${quoteIdent(schema)}`,
    ...STAR_TABLE_NAMES.map((t) => createTable(schema, t, "postgres", options.foreignKeys)),
    ...warehouseAdditiveColumns(schema, "postgres").map(addColumnIfMissingSql),
  ];
}

/**
 * The same tables in Redshift's dialect: `identity(1,1)` surrogate ids, primary and unique keys
 * declared (informational: Redshift does not enforce them, the load's merge does), no foreign
 * keys, distribution and sort keys chosen per table (see `redshiftTableOptions`). Redshift has
 * no `add column if not exists`: `migrateRedshift` adds missing additive columns after a catalog
 * check.
 */
export function redshiftWarehouseDdl(schema = "warehouse"): string[] {
  return [
    `create schema if not exists ${quoteIdent(schema)}`,
    ...STAR_TABLE_NAMES.map((t) => createTable(schema, t, "redshift")),
  ];
}
