import { pipeline } from "node:stream/promises";
import { qualified, quoteIdent } from "@etl/db";
import {
  OLTP_TABLE_NAMES,
  oltpForeignKeys,
  oltpLastUpdatedIndex,
  oltpPrimaryKey,
  oltpTableDdl,
  oltpValidateForeignKeys,
} from "@etl/db/ddl";
import { SOURCE_TABLES, type SourceTable } from "@etl/schemas";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { copyChunks } from "./copy-text";
import { createPlan } from "./plan";
import type { SeedTable } from "./seed-table";
import { createGenerator } from "./tables";

export interface SeedOptions {
  databaseUrl: string;
  seed: number;
  /** Sales orders to generate (100 to 10,000,000); the other tables follow from it. */
  scale: number;
  /** Replace the totesys tables even when they hold rows. */
  reset?: boolean;
  /** Schema of the totesys tables (default `public`, where the ingest reads them). */
  schema?: string;
  onProgress?: (event: SeedProgress) => void;
}

export type SeedProgress =
  | { kind: "table"; table: string; rows: number; seconds: number }
  | { kind: "step"; step: string; seconds: number };

export interface SeedResult {
  rows: number;
  seconds: number;
  tables: Record<string, number>;
}

/** The database already holds totesys rows and `reset` was not asked for. */
export class NotEmptyError extends Error {
  constructor(readonly tables: string[]) {
    super(
      `the database already holds totesys rows (${tables.join(", ")}); pass --reset to replace them, or seed another database`,
    );
    this.name = "NotEmptyError";
  }
}

const ALL_TABLES = [...OLTP_TABLE_NAMES, "_prisma_migrations"];

/**
 * The big tables load on two connections at once, balanced by bytes (about 200 MB each at a
 * million sales orders), so the database's two COPY backends and the generator share the cores.
 */
const LANES = [
  ["sales_order", "transaction"],
  ["purchase_order", "payment"],
] as const satisfies readonly (readonly SourceTable[])[];

async function nonEmptyTables(client: pg.ClientBase, schema: string): Promise<string[]> {
  const found: string[] = [];
  // The caller has just created every missing table, so each one exists.
  for (const table of ALL_TABLES) {
    const { rows } = await client.query(`select 1 from ${qualified(schema, table)} limit 1`);
    if (rows.length > 0) found.push(table);
  }
  return found;
}

const seconds = (since: number) => (performance.now() - since) / 1000;

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  // The seed is repeatable from (seed, scale): no need to wait for each commit's flush; big
  // sorts for the index builds.
  await client.query("set synchronous_commit = off");
  await client.query("set maintenance_work_mem = '256MB'");
  return client;
}

/**
 * Streams one table with `COPY ... FROM STDIN` in text format. FREEZE (allowed because the table
 * is truncated in the same transaction) writes the rows already frozen, so the first scans after
 * the load (index builds, foreign key checks) do not rewrite every page to set hint bits.
 */
async function copyTable(client: pg.ClientBase, schema: string, table: SeedTable): Promise<number> {
  let rows = 0;
  const target = qualified(schema, table.table);
  const columns = table.columns.map(quoteIdent).join(", ");
  await client.query("begin");
  try {
    await client.query(`truncate ${target}`);
    await pipeline(
      copyChunks(table.rows(), (n) => {
        rows += n;
      }),
      client.query(copyFrom(`copy ${target} (${columns}) from stdin with (format text, freeze)`)),
    );
    await client.query("commit");
  } catch (error) {
    await client.query("rollback").catch(() => undefined);
    throw error;
  }
  return rows;
}

/**
 * Seeds a synthetic totesys, deterministic for (seed, scale), into the database at
 * `databaseUrl`. Refuses a database whose totesys tables hold rows unless `reset` is set.
 *
 * Built for speed at millions of rows: the tables are dropped and created bare (no keys), each
 * streamed with COPY in 1 MiB writes while its rows are generated lazily (memory stays flat at
 * any scale), the big ones on two connections; then primary keys and `last_updated` indexes are
 * built by sorting, the sequences moved past the seeded ids, and the foreign keys added, each
 * validated in one pass.
 */
export async function seedDatabase(options: SeedOptions): Promise<SeedResult> {
  const schema = options.schema ?? "public";
  const report = options.onProgress ?? (() => {});
  const started = performance.now();
  const generator = createGenerator(createPlan(options.seed, options.scale));
  const main = await connect(options.databaseUrl);
  const second = await connect(options.databaseUrl);
  const tables: Record<string, number> = {};
  try {
    for (const sql of oltpTableDdl(schema)) await main.query(sql);
    const filled = await nonEmptyTables(main, schema);
    if (filled.length > 0 && !options.reset) throw new NotEmptyError(filled);

    const created = performance.now();
    for (const table of [...ALL_TABLES].reverse()) {
      await main.query(`drop table if exists ${qualified(schema, table)} cascade`);
    }
    for (const sql of oltpTableDdl(schema, { primaryKeys: false })) await main.query(sql);
    report({ kind: "step", step: "create tables", seconds: seconds(created) });

    const load = async (client: pg.ClientBase, table: SeedTable) => {
      const began = performance.now();
      const rows = await copyTable(client, schema, table);
      tables[table.table] = rows;
      report({ kind: "table", table: table.table, rows, seconds: seconds(began) });
    };
    const laned = new Set<string>(LANES.flat());
    for (const table of generator.tables.filter((t) => !laned.has(t.table))) await load(main, table);
    const clients = [main, second];
    const lanes = [
      { client: main, tables: LANES[0] },
      { client: second, tables: LANES[1] },
    ];
    await Promise.all(
      lanes.map(async ({ client, tables: lane }) => {
        const inLane = new Set<string>(lane);
        for (const table of generator.tables.filter((t) => inLane.has(t.table))) await load(client, table);
      }),
    );

    const keyed = performance.now();
    const small = OLTP_TABLE_NAMES.filter((t) => !laned.has(t));
    for (const table of small) {
      await main.query(oltpPrimaryKey(schema, table));
      await main.query(oltpLastUpdatedIndex(schema, table));
    }
    await Promise.all(
      lanes.map(async ({ client, tables: lane }) => {
        for (const table of lane) {
          await client.query(oltpPrimaryKey(schema, table));
          await client.query(oltpLastUpdatedIndex(schema, table));
        }
      }),
    );
    report({ kind: "step", step: "primary keys and indexes", seconds: seconds(keyed) });

    const referenced = performance.now();
    for (const table of OLTP_TABLE_NAMES) {
      const pk = SOURCE_TABLES[table];
      await main.query(
        `select setval(pg_get_serial_sequence($1, $2), coalesce((select max(${quoteIdent(pk)}) from ${qualified(schema, table)}), 0) + 1, false)`,
        [qualified(schema, table), pk],
      );
      // Added one at a time without checking (an add locks the referenced table against other
      // adds), then validated two tables at a time: a validation locks the others only lightly.
      const keys = oltpForeignKeys(schema, table, { validate: false });
      if (keys) await main.query(keys);
    }
    const queue = [...LANES.flat(), ...OLTP_TABLE_NAMES.filter((t) => !laned.has(t))];
    await Promise.all(
      clients.map(async (client) => {
        for (let table = queue.shift(); table !== undefined; table = queue.shift()) {
          for (const sql of oltpValidateForeignKeys(schema, table)) await client.query(sql);
        }
      }),
    );
    report({ kind: "step", step: "sequences and foreign keys", seconds: seconds(referenced) });

    const analysed = performance.now();
    await main.query(`analyze ${ALL_TABLES.map((t) => qualified(schema, t)).join(", ")}`);
    report({ kind: "step", step: "analyze", seconds: seconds(analysed) });
  } finally {
    await second.end().catch(() => undefined);
    await main.end().catch(() => undefined);
  }
  const rows = Object.values(tables).reduce((a, b) => a + b, 0);
  return { rows, seconds: seconds(started), tables };
}
