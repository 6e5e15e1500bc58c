import { qualified, quoteIdent } from "../sql";
import type { SqlDialect } from "./column-type";

interface ControlColumn {
  name: string;
  /** The type in each dialect: `[postgres, redshift]`. */
  type: readonly [string, string];
  nullable?: boolean;
  default?: readonly [string, string];
  /**
   * Added after the table was first released: nullable, and added to existing tables by the
   * migration (`additiveColumns`), so a warehouse migrates without a rebuild.
   */
  added?: boolean;
}

/** A column added to an existing table by the migration when it is missing. */
export interface AdditiveColumn {
  schema: string;
  table: string;
  column: string;
  /** The SQL type in the migration's dialect. */
  type: string;
}

const TEXT = ["text", "varchar(1024)"] as const;

const COUNT = ["bigint", "bigint"] as const;

/** The ledger tables, their columns and primary keys. */
const CONTROL_TABLES: Record<string, { columns: readonly ControlColumn[]; key: readonly string[] }> = {
  load_runs: {
    key: ["run_id"],
    columns: [
      { name: "run_id", type: ["varchar(64)", "varchar(64)"] },
      /** Which warehouse the run was loaded into (its name in the load's config). */
      { name: "target", type: TEXT },
      { name: "status", type: ["varchar(32)", "varchar(32)"] },
      { name: "started_at", type: ["timestamptz", "timestamptz"] },
      { name: "finished_at", type: ["timestamptz", "timestamptz"], nullable: true },
      { name: "files", type: ["integer", "integer"], default: ["0", "0"] },
      /** Rows read from the run's files (staged), whether or not they changed anything. */
      { name: "rows", type: ["bigint", "bigint"], default: ["0", "0"] },
      /** Rows the merges wrote: NULL for runs loaded before these were counted. */
      { name: "inserted", type: COUNT, nullable: true, added: true },
      { name: "updated", type: COUNT, nullable: true, added: true },
    ],
  },
  /** One row per table of a run: what the table's merge read and wrote. */
  loaded_tables: {
    key: ["run_id", "table_name"],
    columns: [
      { name: "run_id", type: ["varchar(64)", "varchar(64)"] },
      { name: "table_name", type: ["varchar(128)", "varchar(128)"] },
      { name: "files", type: ["integer", "integer"] },
      { name: "rows", type: COUNT },
      { name: "inserted", type: COUNT },
      { name: "updated", type: COUNT },
      { name: "loaded_at", type: ["timestamptz", "timestamptz"], default: ["now()", "getdate()"] },
    ],
  },
  loaded_files: {
    key: ["key"],
    columns: [
      { name: "key", type: TEXT },
      // No foreign key to load_runs: landed files are loaded by rule, outside any ingest run,
      // and the load writes both ledgers in the transaction that loads the data.
      { name: "run_id", type: ["varchar(64)", "varchar(64)"] },
      { name: "table_name", type: ["varchar(128)", "varchar(128)"] },
      { name: "sha256", type: ["char(64)", "char(64)"] },
      /** Rows in the file (read into staging); what the table's merge wrote is in `loaded_tables`. */
      { name: "rows", type: ["bigint", "bigint"] },
      { name: "loaded_at", type: ["timestamptz", "timestamptz"], default: ["now()", "getdate()"] },
    ],
  },
};

function controlTables(schema: string, dialect: SqlDialect): string[] {
  const at = dialect === "postgres" ? 0 : 1;
  return [
    `create schema if not exists ${quoteIdent(schema)}`,
    ...Object.entries(CONTROL_TABLES).map(([table, { columns, key }]) => {
      const lines = columns.map((c) => {
        const fallback = c.default ? ` default ${c.default[at]}` : "";
        return `${quoteIdent(c.name)} ${c.type[at]}${c.nullable ? "" : " not null"}${fallback}`;
      });
      lines.push(`constraint ${quoteIdent(`${table}_pkey`)} primary key (${key.map(quoteIdent).join(", ")})`);
      return `create table if not exists ${qualified(schema, table)} (\n  ${lines.join(",\n  ")}\n)`;
    }),
  ];
}

/** The ledger columns added after their table was released, for the migration to add. */
export function controlAdditiveColumns(schema: string, dialect: SqlDialect): AdditiveColumn[] {
  const at = dialect === "postgres" ? 0 : 1;
  return Object.entries(CONTROL_TABLES).flatMap(([table, { columns }]) =>
    columns.filter((c) => c.added).map((c) => ({ schema, table, column: c.name, type: c.type[at] })),
  );
}

/** `alter table ... add column if not exists ...` (PostgreSQL; Redshift has no `if not exists`). */
export function addColumnIfMissingSql(column: AdditiveColumn): string {
  return (
    `alter table ${qualified(column.schema, column.table)} ` +
    `add column if not exists ${quoteIdent(column.column)} ${column.type}`
  );
}

/**
 * The load ledger in PostgreSQL: `etl.load_runs` (one row per run loaded into this warehouse:
 * `run_id`, `target`, `status`, `started_at`, `finished_at`, `files`, `rows` read, `inserted` and
 * `updated` by the merges), `etl.loaded_tables` (per run and table: `files`, `rows` read,
 * `inserted`, `updated`) and `etl.loaded_files` (one row per file, keyed by its object key:
 * `run_id`, `table_name`, `sha256`, `rows` in the file, `loaded_at`). A run's ledger rows commit
 * in the same transaction as its data, so a run or file found here was loaded once and loading
 * it again changes nothing. Idempotent, and additive on an older ledger (missing columns added).
 */
export function controlDdl(schema = "etl"): string[] {
  return [
    ...controlTables(schema, "postgres"),
    ...controlAdditiveColumns(schema, "postgres").map(addColumnIfMissingSql),
  ];
}

/** The load ledger in Redshift's dialect (keys declared, not enforced: the load checks them). */
export function redshiftControlDdl(schema = "etl"): string[] {
  return controlTables(schema, "redshift");
}
