import type { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { DataError, SOURCE_TABLES, type SourceTable } from "@etl/schemas";
import type pg from "pg";
import { to as copyTo } from "pg-copy-streams";
import { quoteIdent } from "../sql";

/** `YYYY-MM-DD HH24:MI:SS.US`: timestamps travel as text with all six fraction digits. */
export const TS_FORMAT = "YYYY-MM-DD HH24:MI:SS.US";

/** Types whose text output is already their JSON (no NaN, no Infinity). */
const INTEGER_TYPES = new Set(["smallint", "integer", "bigint"]);

export type StreamTable = (table: SourceTable, from: string | null, sink: Writable) => Promise<void>;

/**
 * `streamTable` of a snapshot, on `client` inside its open transaction: the table's rows with
 * `from < last_updated <= upperBound`, ordered by `(last_updated, primary key)`, as JSON Lines.
 * The coordinating snapshot and every connection that joined it read the same way.
 */
export function createTableStreamer(client: pg.ClientBase, upperBound: string): StreamTable {
  const columnsCache = new Map<SourceTable, string>();

  const selectList = async (table: SourceTable): Promise<string> => {
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
    // Each row is rendered as the JSON `row_to_json` would give for these columns, built by
    // concatenation, which costs PostgreSQL about a quarter less CPU per row (measured in
    // docs/decisions.md). Integers are their own JSON; every other value goes through `to_json`,
    // the function `row_to_json` uses per column, so escaping stays PostgreSQL's. Numerics as text
    // keep their exact digits; timestamps as text keep all six fraction digits. Keys need no
    // escaping: `quoteIdent` admits only letters, digits and `_`.
    const rendered = rows
      .map((c, i) => {
        const id = quoteIdent(c.column_name);
        const key = `'${i === 0 ? "{" : ","}"${c.column_name}":'`;
        if (INTEGER_TYPES.has(c.data_type)) return `${key} || coalesce(${id}::text, 'null')`;
        const value =
          c.data_type === "numeric"
            ? `${id}::text`
            : c.data_type.startsWith("timestamp")
              ? `to_char(${id}, '${TS_FORMAT}')`
              : id;
        return `${key} || coalesce(to_json(${value})::text, 'null')`;
      })
      .join(" || ");
    const list = `${rendered} || '}'`;
    columnsCache.set(table, list);
    return list;
  };

  return async (table, from, sink) => {
    const pk = SOURCE_TABLES[table];
    const columns = await selectList(table);
    // COPY takes no bind parameters: the watermark range travels as transaction-local
    // settings, set with parameters, and is read back with current_setting().
    await client.query("select set_config('etl.wm_from', $1, true), set_config('etl.wm_to', $2, true)", [
      from ?? "-infinity",
      upperBound,
    ]);
    // The one-column CSV output with control characters as quote and delimiter is exactly
    // one JSON document per line: JSON escapes every control character and newline itself.
    const sql = `copy (select ${columns} from ${quoteIdent(table)}
        where last_updated > current_setting('etl.wm_from')::timestamp
          and last_updated <= current_setting('etl.wm_to')::timestamp
        order by last_updated, ${quoteIdent(pk)})
      to stdout with (format csv, delimiter e'\\x02', quote e'\\x01')`;
    await pipeline(client.query(copyTo(sql)), sink);
  };
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
