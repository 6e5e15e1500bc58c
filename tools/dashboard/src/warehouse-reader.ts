import pg from "pg";
import { WarehouseUnavailableError } from "./errors";
import { type Params, toPositional } from "./named-params";

export type Row = Record<string, unknown>;

export interface QueryOptions {
  /** This statement may run this long (the reader's default otherwise). */
  timeoutMs?: number;
}

/**
 * The one way the dashboard reads the warehouse: every statement in a read-only transaction,
 * values only as parameters (`:name`).
 */
export interface WarehouseReader {
  /** Where the figures come from, for the page's footer (never a URL with a password). */
  readonly name: string;
  query(sql: string, params?: Params, options?: QueryOptions): Promise<Row[]>;
  close(): Promise<void>;
}

/** PostgreSQL SQLSTATEs that mean "no such schema or table": the warehouse is not migrated. */
const MISSING_OBJECT = new Set(["3F000", "42P01"]);
/** Connection refused, reset, unknown host, or the server gone: nothing answers at that address. */
const UNREACHABLE = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "ETIMEDOUT",
  "57P01",
]);
/** `statement_timeout` ran out. */
const CANCELLED = "57014";

/** Maps a driver error to what the page can say about it. */
export function toUnavailable(error: unknown): WarehouseUnavailableError {
  if (error instanceof WarehouseUnavailableError) return error;
  const code = (error as { code?: string }).code ?? "";
  const message = error instanceof Error ? error.message : String(error);
  if (MISSING_OBJECT.has(code))
    return new WarehouseUnavailableError(
      "missing",
      `the warehouse has no star schema yet (${message}): run \`etl run\` (or \`etl migrate\`) first`,
      { cause: error },
    );
  if (code === CANCELLED)
    return new WarehouseUnavailableError(
      "failed",
      `a query took longer than it may and was cancelled: ${message}`,
      {
        cause: error,
      },
    );
  if (UNREACHABLE.has(code) || /connect|terminat|timeout/i.test(message))
    return new WarehouseUnavailableError(
      "unreachable",
      `the warehouse does not answer (${code || message}): is it running? (\`etl up\` starts the local one)`,
      { cause: error },
    );
  return new WarehouseUnavailableError("failed", `the warehouse refused a query: ${message}`, {
    cause: error,
  });
}

/** `postgres://user@host:port/db`: the URL without its password, for the page. */
export function redactedUrl(url: string): string {
  try {
    const u = new URL(url);
    u.password = "";
    return `${u.protocol}//${u.username ? `${u.username}@` : ""}${u.host}${u.pathname}`;
  } catch {
    return "the warehouse";
  }
}

export interface PostgresReaderOptions {
  /** A connection URL (locally, or `WAREHOUSE_URL`)... */
  url?: string;
  /** ...or the settings `createConnectionResolver` gives for a secret (`WAREHOUSE_SECRET_ARN`). */
  connection?: pg.ClientConfig;
  /** A statement running longer is cancelled (default 20 s). */
  statementTimeoutMs?: number;
  /** Connections kept open (default 4). */
  maxConnections?: number;
}

/**
 * A PostgreSQL warehouse (the local one, or any `WAREHOUSE_URL`). Each query takes a pooled
 * connection, runs `begin transaction read only`, the statement with its parameters, and
 * `rollback`: even a statement that tried to write could not.
 *
 * @example
 * const reader = createPostgresReader({ url: process.env.WAREHOUSE_URL ?? "" });
 * const rows = await reader.query("select count(*) as n from warehouse.fact_sales_order where created_date >= :from", { from: "2026-01-01" });
 */
export function createPostgresReader(options: PostgresReaderOptions): WarehouseReader {
  const pool = new pg.Pool({
    ...(options.connection ?? { connectionString: options.url }),
    max: options.maxConnections ?? 4,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  // A server that goes away kills idle connections; the pool drops them, the next query says so.
  pool.on("error", () => undefined);
  const timeout = Math.max(1, Math.round(options.statementTimeoutMs ?? 20_000));
  return {
    name: options.url
      ? redactedUrl(options.url)
      : `postgres://${options.connection?.user ?? ""}@${options.connection?.host ?? ""}:${options.connection?.port ?? 5432}/${options.connection?.database ?? ""}`,
    async query(sql, params = {}, queryOptions = {}) {
      const { text, values } = toPositional(sql, params);
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (error) {
        throw toUnavailable(error);
      }
      let broken = false;
      try {
        await client.query("begin transaction read only");
        const limit = Math.max(1, Math.round(queryOptions.timeoutMs ?? timeout));
        await client.query(`set local statement_timeout = ${limit}`);
        const result = await client.query(text, values);
        return result.rows as Row[];
      } catch (error) {
        broken = true;
        throw toUnavailable(error);
      } finally {
        await client.query("rollback").catch(() => {
          broken = true;
        });
        client.release(broken);
      }
    },
    async close() {
      await pool.end();
    },
  };
}
