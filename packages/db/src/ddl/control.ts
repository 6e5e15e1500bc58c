import { qualified, quoteIdent } from "../sql";
import type { SqlDialect } from "./column-type";

interface ControlColumn {
  name: string;
  /** The type in each dialect: `[postgres, redshift]`. */
  type: readonly [string, string];
  nullable?: boolean;
  default?: readonly [string, string];
}

const TEXT = ["text", "varchar(1024)"] as const;

/** The ledger tables and their columns; `key` and `run_id` are the primary keys. */
const CONTROL_TABLES: Record<string, { columns: readonly ControlColumn[]; key: string }> = {
  load_runs: {
    key: "run_id",
    columns: [
      { name: "run_id", type: ["varchar(64)", "varchar(64)"] },
      /** Which warehouse the run was loaded into (its name in the load's config). */
      { name: "target", type: TEXT },
      { name: "status", type: ["varchar(32)", "varchar(32)"] },
      { name: "started_at", type: ["timestamptz", "timestamptz"] },
      { name: "finished_at", type: ["timestamptz", "timestamptz"], nullable: true },
      { name: "files", type: ["integer", "integer"], default: ["0", "0"] },
      { name: "rows", type: ["bigint", "bigint"], default: ["0", "0"] },
    ],
  },
  loaded_files: {
    key: "key",
    columns: [
      { name: "key", type: TEXT },
      // No foreign key to load_runs: landed files are loaded by rule, outside any ingest run,
      // and the load writes both ledgers in the transaction that loads the data.
      { name: "run_id", type: ["varchar(64)", "varchar(64)"] },
      { name: "table_name", type: ["varchar(128)", "varchar(128)"] },
      { name: "sha256", type: ["char(64)", "char(64)"] },
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
      lines.push(`constraint ${quoteIdent(`${table}_pkey`)} primary key (${quoteIdent(key)})`);
      return `create table if not exists ${qualified(schema, table)} (\n  ${lines.join(",\n  ")}\n)`;
    }),
  ];
}

/**
 * The load ledger in PostgreSQL: `etl.load_runs` (one row per run loaded into this warehouse:
 * `run_id`, `target`, `status`, `started_at`, `finished_at`, `files`, `rows`) and
 * `etl.loaded_files` (one row per file, keyed by its object key: `run_id`, `table_name`,
 * `sha256`, `rows`, `loaded_at`). A run's ledger rows commit in the same transaction as its data,
 * so a run or file found here was loaded once and loading it again changes nothing. Idempotent.
 */
export function controlDdl(schema = "etl"): string[] {
  return controlTables(schema, "postgres");
}

/** The load ledger in Redshift's dialect (keys declared, not enforced: the load checks them). */
export function redshiftControlDdl(schema = "etl"): string[] {
  return controlTables(schema, "redshift");
}
