import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { LoadDataError, type LoadErrorContext, toLoadError } from "../errors";
import type { FileLoadSpec } from "./file-load-spec";
import {
  type CsvDialect,
  createFileStagingSql,
  followUpSql,
  insertLoadedFileSql,
  loadedFileSql,
  postgresCopySql,
  postgresWriteSql,
  SET_TIME_ZONE_SQL,
  TABLE_LOCK_SQL,
} from "./postgres-file-sql";

export interface PostgresFileLoadResult {
  /** `already-loaded`: the ledger has this object version; nothing was written. */
  status: "loaded" | "already-loaded";
  /** Records the COPY read. */
  rows: number;
  /** Rows the write touched (inserted, or inserted and updated for a merge). */
  written: number;
}

async function run(client: pg.ClientBase, sql: string, params: unknown[], context: LoadErrorContext) {
  try {
    return await client.query(sql, params);
  } catch (error) {
    throw toLoadError(error, { ...context, sql });
  }
}

/**
 * The follow-up runs the procedure's own code: an error it raises (PL/pgSQL `raise`, class P0), a
 * missing procedure or bad SQL in it (42), data or constraint errors (22, 23) will fail the same
 * way on a retry, so they are data errors; a serialization failure or a lost connection is not.
 */
async function followUp(client: pg.ClientBase, name: string, context: LoadErrorContext): Promise<void> {
  const sql = followUpSql(name);
  try {
    await client.query(sql);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === "string" && /^(P0|42|22|23|2B|0A|44)/.test(code)) {
      throw new LoadDataError(
        `${context.table}: the follow-up ${name} failed: ${(error as Error).message}`,
        { ...context, sql },
        { code: `PG_${code}`, cause: error },
      );
    }
    throw toLoadError(error, { ...context, sql });
  }
}

/**
 * Loads one landed file into PostgreSQL in ONE transaction: the rule's time zone for the
 * session, a per-table advisory lock, the ledger checked (a version loaded before is skipped),
 * the body streamed with `COPY ... FROM STDIN` (CSV with the given dialect) into a temporary
 * staging table, the write (append, merge or replace), the follow-up procedure, the ledger row,
 * commit. Any failure rolls everything back and is thrown as a `LoadDataError` (bad data or SQL
 * the warehouse refused: do not retry) or a `LoadTransientError`.
 *
 * @example
 * await loadFileIntoPostgres(client, spec, DEFAULT_CSV, Readable.from(["1,a\n2,b\n"]));
 */
export async function loadFileIntoPostgres(
  client: pg.ClientBase,
  spec: FileLoadSpec,
  csv: CsvDialect,
  body: AsyncIterable<Buffer | string>,
): Promise<PostgresFileLoadResult> {
  const context: LoadErrorContext = { table: `${spec.schema}.${spec.table}`, key: spec.ledger.key };
  const copy = postgresCopySql(spec, csv);
  const writes = postgresWriteSql(spec);
  await run(client, "begin", [], context);
  try {
    await run(client, SET_TIME_ZONE_SQL, [spec.timeZone], context);
    await run(client, TABLE_LOCK_SQL, [`etl-file-load:${spec.schema}.${spec.table}`], context);
    const known = await run(client, loadedFileSql(spec.ledger.controlSchema), [spec.ledger.key], context);
    if ((known.rowCount ?? 0) > 0) {
      await client.query("rollback");
      return { status: "already-loaded", rows: 0, written: 0 };
    }
    for (const sql of createFileStagingSql(spec)) await run(client, sql, [], context);
    let rows: number;
    try {
      const stream = client.query(copyFrom(copy));
      await pipeline(Readable.from(body), stream);
      rows = stream.rowCount;
    } catch (error) {
      throw toLoadError(error, { ...context, sql: copy });
    }
    if (rows !== spec.ledger.rows) {
      throw new LoadDataError(
        `${context.table}: COPY read ${rows} records, the file was counted with ${spec.ledger.rows}`,
        { ...context, sql: copy },
        { code: "ROW_COUNT_MISMATCH" },
      );
    }
    let written = 0;
    for (const sql of writes) written = (await run(client, sql, [], context)).rowCount ?? 0;
    if (spec.followUp) await followUp(client, spec.followUp, context);
    const { ledger } = spec;
    await run(
      client,
      insertLoadedFileSql(ledger.controlSchema),
      [ledger.key, ledger.runId, ledger.table, ledger.sha256, ledger.rows, ledger.loadedAt],
      context,
    );
    await run(client, "commit", [], context);
    return { status: "loaded", rows, written };
  } catch (error) {
    try {
      await client.query("rollback");
    } catch {
      // The connection is gone: PostgreSQL rolled the transaction back already.
    }
    throw toLoadError(error, context);
  }
}
