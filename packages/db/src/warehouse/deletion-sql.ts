import {
  DELETED_AT_COLUMN,
  DELETION_COLUMNS,
  hasDeletionColumns,
  IS_DELETED_COLUMN,
  isFactTable,
  SOURCE_UPDATED_AT_COLUMN,
  STAR_COLUMNS,
  STAR_KEYS,
  type StarTable,
} from "@etl/schemas";
import { qualified, quoteIdent } from "../sql";

/**
 * How a statement names its values: PostgreSQL binds them (`$1::int[]`, `$2::timestamp`);
 * Redshift's batches take no parameters, so its builder writes checked literals instead.
 */
export interface DeletionValues {
  /** A condition that holds for a row whose key column (given quoted) is one of the deleted keys. */
  keyIn(column: string): string;
  /** The detection time as a `timestamp` expression. */
  at: string;
}

/** PostgreSQL: parameters `$1` (the keys, `int[]`) and `$2` (the detection time, text). */
export const POSTGRES_DELETION_VALUES: DeletionValues = {
  keyIn: (column) => `${column} = any($1::int[])`,
  at: "cast($2 as timestamp)",
};

const list = (names: readonly string[], prefix = "") =>
  names.map((n) => `${prefix}${quoteIdent(n)}`).join(", ");

/**
 * A dimension's rows of the deleted keys keep their values and get `is_deleted`, `deleted_at`
 * and a `source_updated_at` of the detection time: the deletion is the row's newest version, so
 * a run loaded late or replayed with an older version cannot bring it back, while a newer one
 * (the key inserted again at the source) does. A row already deleted, or newer than the
 * detection, is left alone: a replay changes nothing.
 */
export function markDeletedSql(schema: string, table: StarTable, values: DeletionValues): string {
  const key = quoteIdent(STAR_KEYS[table][0] ?? "");
  const recency = quoteIdent(SOURCE_UPDATED_AT_COLUMN);
  return (
    `update ${qualified(schema, table)} set ${quoteIdent(IS_DELETED_COLUMN)} = true, ` +
    `${quoteIdent(DELETED_AT_COLUMN)} = ${values.at}, ${recency} = ${values.at} ` +
    `where ${values.keyIn(key)} and ${quoteIdent(IS_DELETED_COLUMN)} = false ` +
    `and (${recency} is null or ${recency} <= ${values.at})`
  );
}

/**
 * A fact's deletion version: for each deleted key, a new row copied from its last known version
 * (the greatest `last_updated_date`, `last_updated_time`), with `last_updated_*` at the detection
 * time, `is_deleted` true and `deleted_at` set. The warehouse holds every version the load ever
 * wrote, so this is the transform's "last version" without keeping a million rows of state. A
 * key whose last version is already a deletion gets nothing (a replay, or a deletion declared
 * again), and a key the warehouse never had (inserted and deleted between two runs) neither.
 * The detection date must be in `dim_date` (the transform writes it).
 */
export function insertDeletionVersionsSql(schema: string, table: StarTable, values: DeletionValues): string {
  const target = qualified(schema, table);
  const key = quoteIdent(STAR_KEYS[table][0] ?? "");
  const columns = STAR_COLUMNS[table].map((c) => c.name);
  const picked = columns.map((c) => {
    if (c === "last_updated_date") return `cast(${values.at} as date)`;
    if (c === "last_updated_time") return `cast(${values.at} as time)`;
    return `"_l".${quoteIdent(c)}`;
  });
  const latest =
    `select ${list(columns)}, ${quoteIdent(IS_DELETED_COLUMN)}, row_number() over (partition by ${key} ` +
    `order by "last_updated_date" desc, "last_updated_time" desc) as "_n" from ${target} where ${values.keyIn(key)}`;
  return (
    `insert into ${target} (${list([...columns, IS_DELETED_COLUMN, DELETED_AT_COLUMN])}) ` +
    `select ${picked.join(", ")}, true, ${values.at} from (${latest}) as "_l" ` +
    `where "_l"."_n" = 1 and "_l".${quoteIdent(IS_DELETED_COLUMN)} = false`
  );
}

/** The statement that applies one star table's deletions. */
export function deletionSql(schema: string, table: StarTable, values: DeletionValues): string {
  if (!hasDeletionColumns(table)) throw new Error(`${table} has no deletion columns`);
  return isFactTable(table)
    ? insertDeletionVersionsSql(schema, table, values)
    : markDeletedSql(schema, table, values);
}

/** `"is_deleted" = false, "deleted_at" = null`: what a dimension merge sets with a newer version. */
export function undeleteAssignments(): string {
  return DELETION_COLUMNS.map(
    (c) => `${quoteIdent(c.name)} = ${c.name === IS_DELETED_COLUMN ? "false" : "null"}`,
  ).join(", ");
}
