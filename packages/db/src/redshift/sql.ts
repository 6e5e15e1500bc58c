import {
  type ColumnSpec,
  DataError,
  isFactTable,
  SOURCE_UPDATED_AT_COLUMN,
  STAR_COLUMNS,
  STAR_KEYS,
  type StarTable,
} from "@etl/schemas";
import { sqlType } from "../ddl/column-type";
import { qualified, quoteIdent } from "../sql";
import { undeleteAssignments } from "../warehouse/deletion-sql";
import { iamRoleLiteral, sqlLiteral, timestampLiteral } from "./literals";

/**
 * The SQL of the Redshift load. `BatchExecuteStatement` takes no parameters, so the few values a
 * batch needs (S3 URIs, the COPY role, run id, keys, checksums, times) are written as literals,
 * and only after they pass `sqlLiteral`'s allow-list; identifiers only through `quoteIdent`.
 * Everything but the COPY also runs on PostgreSQL (15+ has MERGE), which the tests exploit.
 */

const list = (names: readonly string[]) => names.map(quoteIdent).join(", ");

export function redshiftStagingName(table: StarTable): string {
  return `stg_${table}`;
}

/** The session's deduplicated, typed copy of staging that the merge reads. */
export function redshiftSourceName(table: StarTable): string {
  return `src_${table}`;
}

/** Columns Parquet carries as text and the merge casts: Redshift's COPY converts no type. */
const castInMerge = (column: ColumnSpec) => column.type === "time" || column.type === "timestamp";

/** Staging types: the target's, except `time` and `timestamp`, which Parquet carries as text. */
export function stagingType(column: ColumnSpec): string {
  return castInMerge(column) ? "varchar(32)" : sqlType(column, "redshift");
}

/**
 * The permanent staging table of a star table, created by the migration and emptied with DELETE
 * inside every load batch, so it is empty outside a running batch. Facts are distributed like
 * their target, so the merge joins without moving rows.
 */
export function redshiftStagingDdl(
  schema: string,
  table: StarTable,
  dialect: "redshift" | "postgres" = "redshift",
): string {
  const columns = STAR_COLUMNS[table].map((c) => `${quoteIdent(c.name)} ${stagingType(c)}`);
  const key = STAR_KEYS[table][0] ?? "";
  const options =
    dialect === "postgres"
      ? ""
      : isFactTable(table)
        ? ` diststyle key distkey (${quoteIdent(key)})`
        : " diststyle even";
  return `create table if not exists ${qualified(schema, redshiftStagingName(table))} (${columns.join(", ")})${options}`;
}

/** Staging tables for every star table. Idempotent. */
export function redshiftStagingTablesDdl(schema = "warehouse"): string[] {
  return (Object.keys(STAR_COLUMNS) as StarTable[]).map((t) => redshiftStagingDdl(schema, t));
}

export interface CopySource {
  /** `s3://bucket/key` of the file, or of the COPY manifest when `manifest`. */
  uri: string;
  manifest: boolean;
}

export interface LedgerFile {
  key: string;
  sha256: string;
  rows: number;
}

export interface TableBatchInput {
  schema: string;
  controlSchema: string;
  table: StarTable;
  runId: string;
  source: CopySource;
  iamRoleArn: string;
  files: readonly LedgerFile[];
  loadedAt: Date;
  /**
   * The trailing columns the files lack: `source_updated_at` of dimension files written before it
   * was added. Left out of the COPY's column list, so staging holds NULL there.
   */
  missingColumns?: readonly string[];
}

function columnRef(table: string, column: string): string {
  return `${table}.${quoteIdent(column)}`;
}

/** `COPY staging (columns) FROM '...' IAM_ROLE '...' FORMAT AS PARQUET [MANIFEST]`: no MAXERROR, no REGION. */
export function copySql(input: TableBatchInput): string {
  const staging = qualified(input.schema, redshiftStagingName(input.table));
  const missing = new Set(input.missingColumns ?? []);
  const columns = list(STAR_COLUMNS[input.table].flatMap((c) => (missing.has(c.name) ? [] : [c.name])));
  return (
    `copy ${staging} (${columns}) from ${sqlLiteral(input.source.uri, "S3 URI")} ` +
    `iam_role ${iamRoleLiteral(input.iamRoleArn)} format as parquet${input.source.manifest ? " manifest" : ""}`
  );
}

/** The table's recency column (every dimension but `dim_date`), if it has one. */
function recencyColumn(table: StarTable): string | undefined {
  return STAR_COLUMNS[table].some((c) => c.name === SOURCE_UPDATED_AT_COLUMN)
    ? SOURCE_UPDATED_AT_COLUMN
    : undefined;
}

/**
 * One row per key from staging into a session temporary table, times and timestamps cast from
 * text: `MERGE` needs a table source with one row per key (Redshift takes no subquery there).
 * Exact duplicates (a file listed twice) collapse; of two versions of a dimension key the newest
 * `source_updated_at` is kept (canonical text sorts as time); other ties are broken
 * deterministically by every column (the transform writes one row per key per run).
 */
export function dedupeSql(input: TableBatchInput): string {
  const columns = STAR_COLUMNS[input.table];
  const staging = qualified(input.schema, redshiftStagingName(input.table));
  const typed = columns
    .map((c) =>
      castInMerge(c)
        ? `cast(${quoteIdent(c.name)} as ${sqlType(c, "redshift")}) as ${quoteIdent(c.name)}`
        : quoteIdent(c.name),
    )
    .join(", ");
  const keys = list(STAR_KEYS[input.table]);
  const recency = recencyColumn(input.table);
  const order = `${recency ? `${quoteIdent(recency)} desc nulls last, ` : ""}${list(columns.map((c) => c.name))}`;
  return (
    `create temp table ${quoteIdent(redshiftSourceName(input.table))} as ` +
    `select ${list(columns.map((c) => c.name))} from (select ${typed}, ` +
    `row_number() over (partition by ${keys} order by ${order}) as "_n" from ${staging}) as "_s" where "_n" = 1`
  );
}

/** Null-safe equality both dialects read (Redshift has no IS NOT DISTINCT FROM). */
function same(left: string, right: string): string {
  return `(${left} = ${right} or (${left} is null and ${right} is null))`;
}

/**
 * Drops from the source what the target already has: for a dimension the rows that are unchanged
 * (so an unchanged replay writes nothing), for `dim_date` and facts every key already present
 * (a date never changes; a fact version is never overwritten).
 */
export function dropKnownSql(input: TableBatchInput): string {
  const target = qualified(input.schema, input.table);
  const source = quoteIdent(redshiftSourceName(input.table));
  const keys = STAR_KEYS[input.table];
  const compared =
    input.table === "dim_date" || isFactTable(input.table)
      ? keys
      : STAR_COLUMNS[input.table].map((c) => c.name);
  const conditions = compared.map((c) =>
    keys.includes(c)
      ? `${columnRef(source, c)} = ${columnRef(target, c)}`
      : same(columnRef(source, c), columnRef(target, c)),
  );
  return `delete from ${source} using ${target} where ${conditions.join(" and ")}`;
}

/**
 * Dimensions: drops from the source every row whose target row is newer (a greater
 * `source_updated_at`; a source row without one never replaces a row that has one), so a run
 * loaded late cannot make a dimension older. Redshift's `MERGE` takes no condition on the match,
 * so the check is done here, before it. Undefined for `dim_date` and facts.
 */
export function dropStaleSql(input: TableBatchInput): string | undefined {
  const recency = recencyColumn(input.table);
  if (recency === undefined) return undefined;
  const target = qualified(input.schema, input.table);
  const source = quoteIdent(redshiftSourceName(input.table));
  const on = STAR_KEYS[input.table].map((k) => `${columnRef(source, k)} = ${columnRef(target, k)}`);
  const theirs = columnRef(target, recency);
  const ours = columnRef(source, recency);
  return (
    `delete from ${source} using ${target} where ${on.join(" and ")} ` +
    `and ${theirs} is not null and (${ours} is null or ${ours} < ${theirs})`
  );
}

/**
 * The table's row in `etl.loaded_tables`, replacing an earlier one: files and rows read, and what
 * the merge is about to write, counted from what is left in the source (new keys are inserts,
 * known ones updates). Runs after the drops and before the merge, in the same transaction.
 */
export function tableLedgerSql(input: TableBatchInput): string[] {
  const ledger = qualified(input.controlSchema, "loaded_tables");
  const target = qualified(input.schema, input.table);
  const source = quoteIdent(redshiftSourceName(input.table));
  const keys = STAR_KEYS[input.table];
  const on = keys.map((k) => `${columnRef(source, k)} = ${columnRef(target, k)}`).join(" and ");
  const known = `count(${columnRef(target, keys[0] ?? "")})`;
  const runId = sqlLiteral(input.runId, "run id");
  const table = sqlLiteral(input.table, "table");
  const rows = input.files.reduce((n, f) => n + Math.trunc(f.rows), 0);
  return [
    `delete from ${ledger} where "run_id" = ${runId} and "table_name" = ${table}`,
    `insert into ${ledger} ("run_id", "table_name", "files", "rows", "inserted", "updated", "loaded_at") ` +
      `select ${runId}, ${table}, ${input.files.length}, ${rows}, count(*) - ${known}, ${known}, ` +
      `${timestampLiteral(input.loadedAt)} from ${source} left join ${target} on ${on}`,
  ];
}

/**
 * Dimensions: `MERGE` (update the changed rows, insert the new ones). `dim_date` and facts:
 * a plain insert of what is left, since only new keys remain. Redshift's MERGE needs both a
 * MATCHED and a NOT MATCHED clause, and a fact must never be updated, hence the insert.
 */
export function mergeIntoTargetSql(input: TableBatchInput): string {
  const target = qualified(input.schema, input.table);
  const source = quoteIdent(redshiftSourceName(input.table));
  const columns = STAR_COLUMNS[input.table].map((c) => c.name);
  const keys = STAR_KEYS[input.table];
  if (input.table === "dim_date" || isFactTable(input.table)) {
    return `insert into ${target} (${list(columns)}) select ${list(columns)} from ${source}`;
  }
  const values = columns.filter((c) => !keys.includes(c));
  const on = keys.map((k) => `${columnRef(target, k)} = ${columnRef(source, k)}`).join(" and ");
  // What is left after dropStaleSql is at least as new as the target row, so newer than any
  // deletion of the key (which set source_updated_at to its time): the key exists again.
  const set = [
    ...values.map((c) => `${quoteIdent(c)} = ${columnRef(source, c)}`),
    undeleteAssignments(),
  ].join(", ");
  return (
    `merge into ${target} using ${source} on ${on} ` +
    `when matched then update set ${set} ` +
    `when not matched then insert (${list(columns)}) values (${columns.map((c) => columnRef(source, c)).join(", ")})`
  );
}

/** The table's files in `etl.loaded_files`, replacing any earlier row of the same key. */
export function ledgerSql(input: TableBatchInput): string[] {
  const ledger = qualified(input.controlSchema, "loaded_files");
  const keys = input.files.map((f) => sqlLiteral(f.key, "object key"));
  const rows = input.files
    .map(
      (f) =>
        `select ${sqlLiteral(f.key, "object key")}, ${sqlLiteral(input.runId, "run id")}, ` +
        `${sqlLiteral(input.table, "table")}, ${sqlLiteral(f.sha256, "sha256")}, ${Math.trunc(f.rows)}, ` +
        `${timestampLiteral(input.loadedAt)}`,
    )
    .join(" union all ");
  return [
    `delete from ${ledger} where "key" in (${keys.join(", ")})`,
    `insert into ${ledger} ("key", "run_id", "table_name", "sha256", "rows", "loaded_at") ${rows}`,
  ];
}

/**
 * The statements of one table's load, run by ONE `BatchExecuteStatement` as one transaction:
 * empty staging (DELETE: TRUNCATE would commit), COPY, deduplicate into a temporary source,
 * drop what the target already has and (dimensions) what the target has newer, count what is
 * left into the table ledger, merge, write the file ledger, empty staging, drop the source.
 */
export function tableBatchSql(input: TableBatchInput): string[] {
  if (input.files.length === 0) throw new DataError(`no files to load into ${input.table}`);
  const staging = qualified(input.schema, redshiftStagingName(input.table));
  const stale = dropStaleSql(input);
  return [
    `delete from ${staging}`,
    copySql(input),
    dedupeSql(input),
    dropKnownSql(input),
    ...(stale ? [stale] : []),
    ...tableLedgerSql(input),
    mergeIntoTargetSql(input),
    ...ledgerSql(input),
    `delete from ${staging}`,
    `drop table ${quoteIdent(redshiftSourceName(input.table))}`,
  ];
}
