import type { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { DataError, SOURCE_TABLES, type SourceTable, TransientError } from "@etl/schemas";
import type pg from "pg";
import { to as copyTo } from "pg-copy-streams";
import { quoteIdent } from "../sql";

/** `YYYY-MM-DD HH24:MI:SS.US`: timestamps travel as text with all six fraction digits. */
const TS_FORMAT = "YYYY-MM-DD HH24:MI:SS.US";

export interface SourceSnapshot {
  /** The database clock when the snapshot began. */
  databaseTime: string;
  /** Rows with `last_updated <= upperBound` are read: the database clock minus the safety lag. */
  upperBound: string;
  /**
   * Streams the table's rows with `from < last_updated <= upperBound`, ordered by
   * `(last_updated, primary key)`, as JSON Lines (one object per line, `\n` after each) into
   * `sink`. Numerics arrive as strings, timestamps as text with their full fraction.
   */
  streamTable(table: SourceTable, from: string | null, sink: Writable): Promise<void>;
  /** Ends the read-only transaction. */
  close(): Promise<void>;
}

/**
 * Opens one `REPEATABLE READ READ ONLY` transaction on `client`: every table of a run is read
 * from the same snapshot, so a sales order and the payment that references it are consistent.
 *
 * Late commits: a row is read only when its `last_updated` is at most the database clock minus
 * `safetyLagSeconds`. A writer whose transaction stamps `last_updated` at T and commits before
 * T + lag is therefore seen by the first run that reads past T, and the watermark never moves past
 * a row that could still appear. The clock is the database's, never the caller's.
 */
export async function openSourceSnapshot(
  client: pg.ClientBase,
  safetyLagSeconds: number,
): Promise<SourceSnapshot> {
  await client.query("begin isolation level repeatable read read only");
  let open = true;
  try {
    const clock = await client.query<{ now: string; upper: string }>(
      `select to_char(localtimestamp, '${TS_FORMAT}') as now,
              to_char(localtimestamp - make_interval(secs => $1), '${TS_FORMAT}') as upper`,
      [safetyLagSeconds],
    );
    const row = clock.rows[0];
    if (!row) throw new TransientError("the source database did not return its clock");
    const columnsCache = new Map<SourceTable, string>();

    const selectList = async (table: SourceTable): Promise<string> => {
      const cached = columnsCache.get(table);
      if (cached) return cached;
      const { rows } = await client.query<{ column_name: string; data_type: string }>(
        `select column_name, data_type from information_schema.columns
          where table_schema = current_schema() and table_name = $1 order by ordinal_position`,
        [table],
      );
      if (rows.length === 0)
        throw new DataError(`source table ${table} does not exist in the current schema`);
      if (!rows.some((c) => c.column_name === "last_updated")) {
        throw new DataError(`source table ${table} has no last_updated column`);
      }
      // Numerics as text keep their exact digits; timestamps as text keep all six fraction digits.
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
      databaseTime: row.now,
      upperBound: row.upper,
      async streamTable(table, from, sink) {
        const pk = SOURCE_TABLES[table];
        const columns = await selectList(table);
        // COPY takes no bind parameters: the watermark range travels as transaction-local
        // settings, set with parameters, and is read back with current_setting().
        await client.query("select set_config('etl.wm_from', $1, true), set_config('etl.wm_to', $2, true)", [
          from ?? "-infinity",
          row.upper,
        ]);
        // The one-column CSV output with control characters as quote and delimiter is exactly
        // one JSON document per line: JSON escapes every control character and newline itself.
        const sql = `copy (select row_to_json(r)::text from (select ${columns} from ${quoteIdent(table)}
            where last_updated > current_setting('etl.wm_from')::timestamp
              and last_updated <= current_setting('etl.wm_to')::timestamp
            order by last_updated, ${quoteIdent(pk)}) r)
          to stdout with (format csv, delimiter e'\\x02', quote e'\\x01')`;
        await pipeline(client.query(copyTo(sql)), sink);
      },
      async close() {
        if (!open) return;
        open = false;
        await client.query("commit");
      },
    };
  } catch (error) {
    if (open) await client.query("rollback").catch(() => undefined);
    throw error;
  }
}
