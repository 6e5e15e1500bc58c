import {
  type ColumnSpec,
  type FactTable,
  isFactTable,
  SOURCE_UPDATED_AT_COLUMN,
  STAR_COLUMNS,
  STAR_KEYS,
  type StarTable,
  SURROGATE_KEYS,
} from "@etl/schemas";
import { sqlType } from "../ddl/column-type";
import { qualified, quoteIdent } from "../sql";
import { undeleteAssignments } from "./deletion-sql";

/**
 * The SQL of the PostgreSQL load, built from the allow-listed star columns: identifiers only
 * through `quoteIdent`, values only as bind parameters. Covered by snapshot tests.
 */

export type TableKind = "dimension" | "date" | "fact";

export interface TablePlan {
  schema: string;
  table: StarTable;
  kind: TableKind;
  /** The file columns in warehouse order (no surrogate ids). */
  columns: readonly ColumnSpec[];
  /** The dimension id or the fact's natural version key. */
  keys: readonly string[];
  /**
   * A shared staging table (schema and name) instead of the session's temporary one: staged on
   * another connection, merged by the run's transaction (see `loadRunIntoPostgres`).
   */
  staging?: { schema: string; name: string };
  /**
   * Whether its files may be COPYed in the binary format: the target's columns have exactly the
   * plan's types (see `binaryCopyTables`), so staging and target alike take the binary values.
   */
  binaryCopy?: boolean;
}

/** The format of a COPY of star rows (see `encodeParquet`). */
export type CopyFormat = "text" | "binary";

export function tablePlan(table: StarTable, schema = "warehouse"): TablePlan {
  const kind: TableKind = table === "dim_date" ? "date" : isFactTable(table) ? "fact" : "dimension";
  return { schema, table, kind, columns: STAR_COLUMNS[table], keys: STAR_KEYS[table] };
}

const list = (names: readonly string[], prefix = "") =>
  names.map((n) => `${prefix}${quoteIdent(n)}`).join(", ");
const names = (plan: TablePlan) => plan.columns.map((c) => c.name);

/** The session-private staging table of a star table. */
export function stagingTable(plan: TablePlan): string {
  return plan.staging ? qualified(plan.staging.schema, plan.staging.name) : quoteIdent(`stg_${plan.table}`);
}

/**
 * A temporary staging table with the target's column types, dropped at commit (or a shared,
 * unlogged one, see `TablePlan.staging`). No constraints,
 * so COPY only parses and appends. Dimensions get a `_seq` in arrival order, so of two versions
 * of a key in one run the later file's wins.
 */
export function createStagingSql(plan: TablePlan): string {
  const columns = plan.columns.map((c) => `${quoteIdent(c.name)} ${sqlType(c, "postgres")}`);
  if (plan.kind === "dimension") columns.push(`"_seq" bigint generated always as identity`);
  // A shared staging table is unlogged: a crash loses it, and the run's retry stages again.
  return plan.staging
    ? `create unlogged table ${stagingTable(plan)} (${columns.join(", ")})`
    : `create temp table ${stagingTable(plan)} (${columns.join(", ")}) on commit drop`;
}

/** COPY of the file columns into the staging table, or into `into` (the first load's target). */
export function copyIntoStagingSql(
  plan: TablePlan,
  into = stagingTable(plan),
  format: CopyFormat = "text",
): string {
  return `copy ${into} (${list(names(plan))}) from stdin with (format ${format})`;
}

/**
 * Each column of the named tables of a schema with its type as the catalog spells it
 * (`format_type`), to compare with `catalogType`. Parameters: the schema, the table names.
 */
export const COLUMN_TYPES_SQL =
  'select c.relname as "table", a.attname as "column", format_type(a.atttypid, a.atttypmod) as "type" ' +
  "from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace " +
  "where n.nspname = $1 and c.relname = any($2::text[]) and a.attnum > 0 and not a.attisdropped";

/** A column's type as `format_type` spells what `sqlType(spec, "postgres")` declares. */
export function catalogType(spec: ColumnSpec): string {
  if (spec.type === "time") return "time without time zone";
  if (spec.type === "timestamp") return "timestamp without time zone";
  return sqlType(spec, "postgres");
}

/** The target table, quoted: where the first load of an empty table COPYs its files. */
export function targetTable(plan: TablePlan): string {
  return qualified(plan.schema, plan.table);
}

/** Locks the target against readers and writers until the run's transaction ends. */
export function exclusiveLockSql(plan: TablePlan): string {
  return `lock table ${targetTable(plan)} in access exclusive mode`;
}

export function dropStagingSql(plan: TablePlan): string {
  return `drop table if exists ${stagingTable(plan)}`;
}

/**
 * Moves staging into the target. Dimensions return one row `{ inserted, updated }`; for
 * `dim_date` and facts every affected row is an insert, so the command's row count says it all.
 *
 * - dimensions (SCD type 1): the newest row per key (greatest `source_updated_at`, then the
 *   latest file), inserted, or updated only where a column changed (an unchanged replay writes
 *   nothing) and only by a version at least as new as the row's: a run loaded late never makes a
 *   row older. A row without `source_updated_at` (loaded before the column existed) is replaced;
 * - `dim_date`: missing dates inserted, existing ones left alone (a date never changes);
 * - facts: new versions inserted; a natural version key already present is skipped, so a replay
 *   inserts nothing and history is never overwritten.
 */
export function mergeSql(plan: TablePlan): string {
  const target = qualified(plan.schema, plan.table);
  const all = names(plan);
  const keys = list(plan.keys);
  const counted = (insert: string) =>
    `with merged as (${insert} returning (xmax = 0) as inserted) ` +
    `select count(*) filter (where inserted)::int as inserted, count(*) filter (where not inserted)::int as updated from merged`;

  if (plan.kind === "fact") {
    return (
      `insert into ${target} (${list(all)}) select ${list(all)} from ${stagingTable(plan)} ` +
      `on conflict (${keys}) do nothing`
    );
  }
  const recency = all.includes(SOURCE_UPDATED_AT_COLUMN) ? quoteIdent(SOURCE_UPDATED_AT_COLUMN) : undefined;
  const newest =
    plan.kind === "dimension"
      ? `select distinct on (${keys}) ${list(all)} from ${stagingTable(plan)} order by ${keys}, ` +
        `${recency ? `${recency} desc nulls last, ` : ""}"_seq" desc`
      : `select distinct on (${keys}) ${list(all)} from ${stagingTable(plan)} order by ${keys}`;
  const values = all.filter((n) => !plan.keys.includes(n));
  if (plan.kind === "date" || values.length === 0) {
    return `insert into ${target} (${list(all)}) ${newest} on conflict (${keys}) do nothing`;
  }
  // A version that passes the recency check is newer than any deletion of the key (the deletion
  // set source_updated_at to its time), so the key exists again at the source.
  const set = [
    ...values.map((n) => `${quoteIdent(n)} = excluded.${quoteIdent(n)}`),
    undeleteAssignments(),
  ].join(", ");
  const notOlder = recency ? `(excluded.${recency} >= t.${recency} or t.${recency} is null) and ` : "";
  return counted(
    `insert into ${target} as t (${list(all)}) ${newest} ` +
      `on conflict (${keys}) do update set ${set} ` +
      `where ${notOlder}(${list(values, "t.")}) is distinct from (${list(values, "excluded.")})`,
  );
}

/** True when the target has no row: the run may take its first-load path (`firstLoadSql`). */
export function isEmptySql(plan: TablePlan): string {
  return `select not exists (select 1 from ${qualified(plan.schema, plan.table)}) as "empty"`;
}

/**
 * The first load of a table the run found empty, a cheaper way to the merge's result, run in a
 * savepoint that a unique violation rolls back to (the run then merges):
 *
 * - `lock`: a fact is locked (no reader nor writer until the run commits), so "empty", checked
 *   again after it, holds;
 * - `before`: the fact's two keys, the identity primary key and the unique natural version key,
 *   are dropped;
 * - `insert`: every staged row, without conflict handling or `distinct on`: with no row in the
 *   target and no key twice in staging (the keys' unique indexes say so, or the savepoint rolls
 *   back), the merge would insert exactly these rows, in the same order;
 * - `after`: a fact's keys are added again as `warehouseDdl` declares them, each index built by
 *   one sort instead of a btree insert per row. A duplicate natural key fails here.
 *
 * A dimension keeps its primary key here (the facts' foreign keys depend on it); its insert fails
 * on a duplicate key. A large one COPYed straight into its target has the key rebuilt, with the
 * foreign keys on it, by `dimensionKeySql`. Everything is transactional: a failed run leaves the keys as they were.
 */
export function firstLoadSql(plan: TablePlan): {
  lock?: string;
  before: string[];
  insert: string;
  after: string[];
} {
  const target = qualified(plan.schema, plan.table);
  const all = names(plan);
  const insert = `insert into ${target} (${list(all)}) select ${list(all)} from ${stagingTable(plan)}`;
  if (plan.kind !== "fact") return { before: [], insert, after: [] };
  const fact = plan.table as FactTable;
  const primary = quoteIdent(`${fact}_pkey`);
  const natural = quoteIdent(`${fact}_natural_key`);
  return {
    lock: exclusiveLockSql(plan),
    before: [`alter table ${target} drop constraint ${natural}, drop constraint ${primary}`],
    insert,
    after: [
      `alter table ${target} add constraint ${primary} primary key (${quoteIdent(SURROGATE_KEYS[fact])}), ` +
        `add constraint ${natural} unique (${list(plan.keys)})`,
    ],
  };
}

/** Serialises loads into one warehouse: the lock is released when the transaction ends. */
export const ADVISORY_LOCK_SQL = "select pg_advisory_xact_lock(hashtextextended($1, 0))";

/** The lock name of a warehouse schema. */
export function lockName(schema: string): string {
  return `etl.load:${schema}`;
}

export function runStatusSql(controlSchema: string): string {
  return `select status from ${qualified(controlSchema, "load_runs")} where run_id = $1`;
}

export function loadedKeysSql(controlSchema: string): string {
  return `select key from ${qualified(controlSchema, "loaded_files")} where key = any($1::text[])`;
}

/** Parameters: keys, run ids, table names, checksums, row counts (arrays), loaded at. */
export function insertLoadedFilesSql(controlSchema: string): string {
  return (
    `insert into ${qualified(controlSchema, "loaded_files")} ("key", "run_id", "table_name", "sha256", "rows", "loaded_at") ` +
    `select f.key, f.run_id, f.table_name, f.sha256, f.rows, $6 ` +
    `from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[]) as f(key, run_id, table_name, sha256, rows) ` +
    `on conflict ("key") do nothing`
  );
}

/** Parameters: run id, target, status, started at, finished at, files, rows read, inserted, updated. */
export function upsertLoadRunSql(controlSchema: string): string {
  return (
    `insert into ${qualified(controlSchema, "load_runs")} ("run_id", "target", "status", "started_at", "finished_at", "files", "rows", "inserted", "updated") ` +
    `values ($1, $2, $3, $4, $5, $6, $7, $8, $9) ` +
    `on conflict ("run_id") do update set "target" = excluded."target", "status" = excluded."status", ` +
    `"started_at" = excluded."started_at", "finished_at" = excluded."finished_at", ` +
    `"files" = excluded."files", "rows" = excluded."rows", "inserted" = excluded."inserted", "updated" = excluded."updated"`
  );
}

/** Parameters: run id, table names, files, rows read, inserted, updated (arrays), loaded at. */
export function upsertLoadedTablesSql(controlSchema: string): string {
  return (
    `insert into ${qualified(controlSchema, "loaded_tables")} ("run_id", "table_name", "files", "rows", "inserted", "updated", "loaded_at") ` +
    `select $1, t.table_name, t.files, t.rows, t.inserted, t.updated, $7 ` +
    `from unnest($2::text[], $3::int[], $4::bigint[], $5::bigint[], $6::bigint[]) as t(table_name, files, rows, inserted, updated) ` +
    `on conflict ("run_id", "table_name") do update set "files" = excluded."files", "rows" = excluded."rows", ` +
    `"inserted" = excluded."inserted", "updated" = excluded."updated", "loaded_at" = excluded."loaded_at"`
  );
}
