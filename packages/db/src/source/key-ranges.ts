import type { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { DataError, SOURCE_TABLES, type SourceTable } from "@etl/schemas";
import type pg from "pg";
import { to as copyTo } from "pg-copy-streams";
import { quoteIdent } from "../sql";
import { TS_FORMAT } from "./table-stream";

const MIN_BIGINT = "-9223372036854775808";

/** Where a key range of at most `rows` keys after a key ends. */
export interface KeyRangeEnd {
  /** The range's last key; null when no key follows `after` (nothing left to read). */
  upTo: number | null;
  /** Keys in `(after, upTo]`, whatever their `last_updated`. */
  keys: number;
  /** True when no key follows `upTo`: the range reaches the table's end. */
  last: boolean;
}

/**
 * Reads a table's first snapshot in primary-key ranges, inside the snapshot's open transaction
 * (a first load larger than one invocation, `apps/ingest` `plan-first-loads.ts`).
 */
export interface KeyRangeReader {
  /**
   * Where the range of the next `rows` primary keys after `after` (null: from the first key)
   * ends. An index-only walk of at most `rows + 1` keys of the primary key's index.
   */
  rangeEnd(table: SourceTable, after: number | null, rows: number): Promise<KeyRangeEnd>;
  /**
   * Streams the rows with `after < primary key <= upTo` and `last_updated <= bound`, ordered
   * by primary key, as JSON Lines rendered exactly as `streamTable` renders them.
   */
  streamRange(
    table: SourceTable,
    range: { after: number | null; upTo: number; bound: string },
    sink: Writable,
  ): Promise<void>;
}

/**
 * The `KeyRangeReader` of a snapshot's connection. The select list is built the way
 * `createTableStreamer` builds it (numerics as text, timestamps with six fraction digits), kept
 * apart so the reading path it belongs to can change on its own; the ingest's integration test
 * compares a ranged first load with the end-to-end reference.
 */
export function createKeyRangeReader(client: pg.ClientBase): KeyRangeReader {
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
    const list = rows
      .map((c) => {
        const id = quoteIdent(c.column_name);
        if (c.data_type === "numeric") return `${id}::text as ${id}`;
        if (c.data_type.startsWith("timestamp")) return `to_char(${id}, '${TS_FORMAT}') as ${id}`;
        return id;
      })
      .join(", ");
    columnsCache.set(table, list);
    return list;
  };

  return {
    async rangeEnd(table, after, rows) {
      const pk = quoteIdent(SOURCE_TABLES[table]);
      const { rows: found } = await client.query<{ keys: string; up_to: string | null; next: string | null }>(
        `select count(*) filter (where n <= $2) as keys,
                max(${pk}) filter (where n <= $2) as up_to,
                max(${pk}) filter (where n > $2) as next
           from (select ${pk}, row_number() over (order by ${pk}) as n
                   from (select ${pk} from ${quoteIdent(table)}
                          where ${pk} > $1::bigint
                          order by ${pk} limit $2::bigint + 1) k) r`,
        [String(after ?? MIN_BIGINT), rows],
      );
      const row = found[0];
      return {
        upTo: row?.up_to == null ? null : Number(row.up_to),
        keys: Number(row?.keys ?? 0),
        last: row?.next == null,
      };
    },
    async streamRange(table, range, sink) {
      const pk = quoteIdent(SOURCE_TABLES[table]);
      const columns = await selectList(table);
      // COPY takes no bind parameters: the range travels as transaction-local settings.
      await client.query(
        "select set_config('etl.range_after', $1, true), set_config('etl.range_to', $2, true), set_config('etl.range_bound', $3, true)",
        // No key lies below bigint's least value: a range from the first key starts there.
        [String(range.after ?? MIN_BIGINT), String(range.upTo), range.bound],
      );
      const sql = `copy (select row_to_json(r)::text from (select ${columns} from ${quoteIdent(table)}
          where ${pk} > current_setting('etl.range_after')::bigint
            and ${pk} <= current_setting('etl.range_to')::bigint
            and last_updated <= current_setting('etl.range_bound')::timestamp
          order by ${pk}) r)
        to stdout with (format csv, delimiter e'\\x02', quote e'\\x01')`;
      await pipeline(client.query(copyTo(sql)), sink);
    },
  };
}
