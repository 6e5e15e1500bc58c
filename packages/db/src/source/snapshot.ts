import type { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { type CatalogColumn, DataError, SOURCE_TABLES, type SourceTable, TransientError } from "@etl/schemas";
import type pg from "pg";
import { to as copyTo } from "pg-copy-streams";
import { quoteIdent } from "../sql";
import { createRowEstimator, createTableStreamer, TS_FORMAT } from "./table-stream";

export { joinSourceSnapshot, type SnapshotReader } from "./join-snapshot";
export { createKeyRangeReader, type KeyRangeEnd, type KeyRangeReader } from "./key-ranges";

/**
 * What the snapshot may hold back for: `required` refuses to run when the database user cannot
 * see other users' open transactions; `best-effort` runs anyway, held back only by the
 * transactions it can see (its own user's and prepared ones).
 */
export type LateCommitGuard = "required" | "best-effort";

export interface SourceSnapshotOptions {
  /** `required` by default. */
  lateCommitGuard?: LateCommitGuard;
}

/** The oldest transaction open when the snapshot was taken, when it set the upper bound. */
export interface HeldBackBy {
  /** The backend of a session's open transaction. */
  pid?: number;
  /** A prepared (two-phase) transaction's id. */
  gid?: string;
  /** When the transaction began (a prepared one: when it was prepared), as database time. */
  since: string;
  /** Seconds from `since` to the snapshot's database time. */
  ageSeconds: number;
}

export interface SourceSnapshot {
  /** The database clock when the snapshot began. */
  databaseTime: string;
  /**
   * Rows with `last_updated <= upperBound` are read: the database clock minus the safety lag, or
   * just below the start of the oldest transaction still open, whichever is earlier.
   */
  upperBound: string;
  /** Set when an open transaction, not the clock, set the upper bound. */
  heldBackBy?: HeldBackBy;
  /**
   * `all-sessions` when the user sees every session's transaction start; `own-user` when it sees
   * only its own user's (the `best-effort` guard without the privilege).
   */
  sees: "all-sessions" | "own-user";
  /**
   * Streams the table's rows with `from < last_updated <= upperBound`, ordered by
   * `(last_updated, primary key)`, as JSON Lines (one object per line, `\n` after each) into
   * `sink`. Numerics arrive as strings, timestamps as text with their full fraction.
   */
  streamTable(table: SourceTable, from: string | null, sink: Writable): Promise<void>;
  /**
   * How many rows `streamTable` would read, as the planner estimates it (`EXPLAIN`, nothing is
   * read): for a progress display's ETA, never for a decision, since statistics can be stale.
   */
  estimateRows(table: SourceTable, from: string | null): Promise<number>;
  /**
   * Streams every primary key of the table as the snapshot sees it, whatever its `last_updated`,
   * in table order (not sorted), as decimal text, one key per line (`\n` after each): the key set that
   * hard-delete detection compares with the previous run's.
   */
  streamKeys(table: SourceTable, sink: Writable): Promise<void>;
  /**
   * Exports this snapshot (`pg_export_snapshot()`) for `joinSourceSnapshot` on other
   * connections, so a run reads its tables in parallel from one consistent view. Valid while
   * this transaction is open.
   */
  exportSnapshot(): Promise<string>;
  /**
   * Every column of every base table of the source schema, as the snapshot sees it
   * (`information_schema.columns`, `data_type`), in table and column order: what the schema-drift
   * check compares with the contract.
   */
  describeColumns(): Promise<CatalogColumn[]>;
  /** Ends the read-only transaction. */
  close(): Promise<void>;
}

interface BoundRow {
  now: string;
  upper: string;
  held: boolean;
  user: string;
  privileged: boolean;
  tracked: boolean;
  pid: number | null;
  gid: string | null;
  since: string | null;
  age_seconds: number | null;
}

/**
 * The clock and the oldest open transaction of this database, read in one statement before the
 * snapshot exists. `statement_timestamp()` precedes the read of the sessions: a transaction that
 * began after the read stamps later than the clock, one open at the read is listed, and one that
 * ended before it is visible to the snapshot taken after it.
 */
const BOUND_SQL = `
  with oldest as (
    select pid, null::text as gid, xact_start as since from pg_stat_activity
     where pid <> pg_backend_pid()
       and datid = (select oid from pg_database where datname = current_database())
       and backend_type = 'client backend'
       and xact_start is not null
    union all
    select null, gid, prepared from pg_prepared_xacts where database = current_database()
    order by since
    limit 1
  )
  select to_char(c.now, '${TS_FORMAT}') as now,
         to_char(least(c.upper, o.since::timestamp - interval '1 microsecond'), '${TS_FORMAT}') as upper,
         coalesce(o.since::timestamp - interval '1 microsecond' < c.upper, false) as held,
         current_user as "user",
         pg_has_role('pg_read_all_stats', 'USAGE') as privileged,
         current_setting('track_activities')::boolean as tracked,
         o.pid, o.gid,
         to_char(o.since::timestamp, '${TS_FORMAT}') as since,
         extract(epoch from statement_timestamp() - o.since)::float8 as age_seconds
    from (select statement_timestamp()::timestamp as now,
                 statement_timestamp()::timestamp - make_interval(secs => $1) as upper) c
    left join oldest o on true`;

/** The source schema's base tables and columns, read inside the snapshot's transaction. */
const CATALOG_SQL = `
  select c.table_name as "table", c.column_name as "column", c.data_type as "type"
    from information_schema.columns c
    join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
   where c.table_schema = current_schema() and t.table_type = 'BASE TABLE'
   order by c.table_name, c.ordinal_position`;

/** Why the guard cannot see every transaction, and what to do about it; undefined when it can. */
function blindSpot(row: BoundRow): string | undefined {
  const user = quoteIdent(row.user);
  if (!row.privileged) {
    return (
      `source database user ${user} cannot see when other users' transactions began ` +
      `(pg_stat_activity shows them only to superusers and roles with the privileges of pg_read_all_stats), ` +
      `so a row such a transaction commits late could be missed: run GRANT pg_read_all_stats TO ${user} ` +
      `(on Amazon RDS or Aurora as the master user; GRANT pg_monitor TO ${user} includes it), ` +
      "or set LATE_COMMIT_GUARD=best-effort to accept that risk"
    );
  }
  if (!row.tracked) {
    return (
      "track_activities is off on the source database, so pg_stat_activity does not show when " +
      "transactions began and a row committed late could be missed: turn it on (the default), " +
      "or set LATE_COMMIT_GUARD=best-effort to accept that risk"
    );
  }
  return undefined;
}

/**
 * Opens one `REPEATABLE READ READ ONLY` transaction on `client`: every table of a run is read
 * from the same snapshot, so a sales order and the payment that references it are consistent.
 *
 * Late commits: a row is read only when its `last_updated` is at most the database clock minus
 * `safetyLagSeconds`, and below the start of every transaction of this database still open when
 * the snapshot is taken (sessions of `pg_stat_activity`, prepared transactions). A writer stamps
 * `last_updated` no earlier than its transaction's start (`now()`, `clock_timestamp()`), so
 * whatever a transaction open now commits later lies above this run's upper bound and is read by
 * a later run. A transaction that has not written yet has no transaction id, so its start time,
 * not xid-based tracking, is what protects it. The clock is the database's, never the caller's.
 *
 * With the `required` guard (the default), a user that cannot see other users' transaction
 * starts is refused with a `DataError` naming the grant it needs.
 */
export async function openSourceSnapshot(
  client: pg.ClientBase,
  safetyLagSeconds: number,
  options: SourceSnapshotOptions = {},
): Promise<SourceSnapshot> {
  const guard = options.lateCommitGuard ?? "required";
  // Read before BEGIN: inside the transaction the first statement fixes the snapshot before it
  // reads pg_stat_activity, and a transaction ending in between would be neither seen nor visible.
  const bound = await client.query<BoundRow>(BOUND_SQL, [safetyLagSeconds]);
  const row = bound.rows[0];
  if (!row) throw new TransientError("the source database did not return its clock");
  const blind = blindSpot(row);
  if (blind && guard === "required") throw new DataError(blind, { code: "LATE_COMMIT_GUARD" });
  const heldBackBy: HeldBackBy | undefined =
    row.held && row.since !== null && row.age_seconds !== null
      ? {
          ...(row.pid === null ? {} : { pid: row.pid }),
          ...(row.gid === null ? {} : { gid: row.gid }),
          since: row.since,
          ageSeconds: row.age_seconds,
        }
      : undefined;

  await client.query("begin isolation level repeatable read read only");
  let open = true;
  try {
    return {
      databaseTime: row.now,
      upperBound: row.upper,
      ...(heldBackBy ? { heldBackBy } : {}),
      sees: blind ? "own-user" : "all-sessions",
      streamTable: createTableStreamer(client, row.upper),
      async exportSnapshot() {
        const { rows } = await client.query<{ id: string }>("select pg_export_snapshot() as id");
        const id = rows[0]?.id;
        if (!id) throw new TransientError("the source database exported no snapshot");
        return id;
      },
      estimateRows: createRowEstimator(client, row.upper),
      async streamKeys(table, sink) {
        const pk = quoteIdent(SOURCE_TABLES[table]);
        // In table order: a sequential scan reads a million keys about twice as fast as the
        // primary key's index (measured, docs/deletes.md); the ingest sorts them itself.
        const sql = `copy (select ${pk} from ${quoteIdent(table)}) to stdout`;
        await pipeline(client.query(copyTo(sql)), sink);
      },
      async describeColumns() {
        const { rows } = await client.query<CatalogColumn>(CATALOG_SQL);
        return rows;
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
