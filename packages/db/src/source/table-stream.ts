import type { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { DataError, SOURCE_TABLES, type SourceTable } from "@etl/schemas";
import type pg from "pg";
import { to as copyTo } from "pg-copy-streams";
import { quoteIdent } from "../sql";
import { type ColumnKind, CopyTextToJsonLines } from "./copy-json";

/** `YYYY-MM-DD HH24:MI:SS.US`: timestamps travel as text with all six fraction digits. */
export const TS_FORMAT = "YYYY-MM-DD HH24:MI:SS.US";

/** The column types whose COPY text the encoder turns into JSON itself. */
const KINDS: Record<string, ColumnKind> = {
  smallint: "integer",
  integer: "integer",
  bigint: "integer",
  numeric: "numeric",
  boolean: "boolean",
  "timestamp without time zone": "timestamp",
  "character varying": "text",
  text: "text",
};

export type StreamTable = (table: SourceTable, from: string | null, sink: Writable) => Promise<void>;

/**
 * `streamTable` of a snapshot, on `client` inside its open transaction: the table's rows with
 * `from < last_updated <= upperBound`, ordered by `(last_updated, primary key)`, as JSON Lines.
 * The coordinating snapshot and every connection that joined it read the same way.
 */
export function createTableStreamer(client: pg.ClientBase, upperBound: string): StreamTable {
  const columnsCache = new Map<SourceTable, SelectedColumns>();

  const selectList = async (table: SourceTable): Promise<SelectedColumns> => {
    const cached = columnsCache.get(table);
    if (cached) return cached;
    const { rows } = await client.query<{ column_name: string; data_type: string }>(
      `select column_name, data_type from information_schema.columns
        where table_schema = current_schema() and table_name = $1 order by ordinal_position`,
      [table],
    );
    if (rows.length === 0) throw new DataError(`source table ${table} does not exist in the current schema`);
    if (!rows.some((c) => c.column_name === "last_updated")) {
      throw new DataError(`source table ${table} has no last_updated column`);
    }
    const selected = selectColumns(rows);
    columnsCache.set(table, selected);
    return selected;
  };

  return async (table, from, sink) => {
    const pk = SOURCE_TABLES[table];
    const { list, columns } = await selectList(table);
    // COPY takes no bind parameters: the watermark range travels as transaction-local
    // settings, set with parameters, and is read back with current_setting(). The encoder reads
    // timestamps in DateStyle ISO, so the transaction uses it whatever the role's default.
    await client.query(
      "select set_config('etl.wm_from', $1, true), set_config('etl.wm_to', $2, true), set_config('DateStyle', 'ISO', true)",
      [from ?? "-infinity", upperBound],
    );
    const sql = `copy (select ${list} from ${quoteIdent(table)}
        where last_updated > current_setting('etl.wm_from')::timestamp
          and last_updated <= current_setting('etl.wm_to')::timestamp
        order by last_updated, ${quoteIdent(pk)}) to stdout`;
    await pipeline(client.query(copyTo(sql)), new CopyTextToJsonLines(columns), sink);
  };
}

export interface SelectedColumns {
  list: string;
  columns: { name: string; kind: ColumnKind }[];
}

/**
 * Each row is rendered as the JSON `row_to_json` would give for these columns (numerics as text
 * with their exact digits, timestamps as text with all six fraction digits). PostgreSQL prints
 * the columns as COPY text and `CopyTextToJsonLines` builds the JSON in Node, which costs less
 * CPU in all than PostgreSQL building it (measured in docs/decisions.md). The types the encoder
 * does not know (and `timestamptz`, whose text depends on the session's time zone) go through
 * `to_json`, the function `row_to_json` uses per column, so their JSON stays PostgreSQL's. Keys
 * need no escaping: `quoteIdent` admits only letters, digits and `_`.
 */
export function selectColumns(rows: { column_name: string; data_type: string }[]): SelectedColumns {
  const columns = rows.map((c) => ({ name: c.column_name, kind: KINDS[c.data_type] ?? ("json" as const) }));
  const list = rows
    .map((c, i) => {
      const id = quoteIdent(c.column_name);
      if (columns[i]?.kind !== "json") return id;
      const value = c.data_type.startsWith("timestamp") ? `to_char(${id}, '${TS_FORMAT}')` : id;
      return `to_json(${value})::text`;
    })
    .join(", ");
  return { list, columns };
}

/** How many rows a table's stream would read, as the planner estimates it. */
export type EstimateRows = (table: SourceTable, from: string | null) => Promise<number>;

/**
 * The planner's estimate of the rows with `from < last_updated <= upperBound` (`EXPLAIN`,
 * nothing is read): for a progress display's ETA, never for a decision, since statistics can be
 * stale.
 */
export function createRowEstimator(client: pg.ClientBase, upperBound: string): EstimateRows {
  return async (table, from) => {
    const { rows } = await client.query<{ "QUERY PLAN": { Plan?: { "Plan Rows"?: number } }[] }>(
      `explain (format json) select 1 from ${quoteIdent(table)}
        where last_updated > $1::timestamp and last_updated <= $2::timestamp`,
      [from ?? "-infinity", upperBound],
    );
    return rows[0]?.["QUERY PLAN"][0]?.Plan?.["Plan Rows"] ?? 0;
  };
}
