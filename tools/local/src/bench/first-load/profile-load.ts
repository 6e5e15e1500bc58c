import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { quoteIdent } from "@etl/db";
import { loadRunIntoPostgres, migratePostgresWarehouse } from "@etl/db/warehouse";
import { readParquetSchema } from "@etl/s3-io/parquet-read";
import { STAR_TABLE_NAMES } from "@etl/schemas";
import pg from "pg";

// The load stage alone, phase by phase: the star files of a transformed run (as the first-load
// bench downloads them to <data>/bench/work/first-load/star/star) loaded into a fresh database
// `profile_load` on the server of PROFILE_URL, with every statement over 50 ms timed. Not a
// benchmark (no reference); it says where the load's time goes (docs/decisions.md).
//
//   PROFILE_URL=postgres://...:port/postgres node --import tsx src/bench/first-load/profile-load.ts <star dir>
//
// PROFILE_MERGE=1 turns the first-load path off (every table staged and merged); PROFILE_LANES
// sets the staging connections of tables that are merged (2 by default; a first load copies every
// empty table on the run's connection whatever it is).

const [starDir] = process.argv.slice(2);
const serverUrl = process.env.PROFILE_URL;
if (!starDir || !serverUrl) throw new Error("usage: PROFILE_URL=<server url> profile-load <star dir>");

const walk = (dir: string): string[] =>
  readdirSync(dir).flatMap((n) => {
    const path = join(dir, n);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });

const admin = new pg.Client({ connectionString: serverUrl });
await admin.connect();
await admin.query(`drop database if exists ${quoteIdent("profile_load")} with (force)`);
await admin.query(`create database ${quoteIdent("profile_load")}`);
await admin.end();
const url = new URL(serverUrl);
url.pathname = "/profile_load";
const connect = async () => {
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  return client;
};
const migrating = await connect();
await migratePostgresWarehouse(migrating);
await migrating.end();

/** The run's connection, every text statement timed. */
class TimedClient extends pg.Client {
  readonly timings: { sql: string; ms: number }[] = [];
  // biome-ignore lint/suspicious/noExplicitAny: pg's query has a dozen overloads; this passes them through.
  override query(...args: any[]): any {
    const began = performance.now();
    // biome-ignore lint/suspicious/noExplicitAny: as above.
    const result = (super.query as (...a: any[]) => any)(...args);
    const sql = args[0];
    if (typeof sql === "string" && result instanceof Promise)
      result.then(
        () => this.timings.push({ sql: sql.slice(0, 100), ms: performance.now() - began }),
        () => undefined,
      );
    return result;
  }
}
const client = new TimedClient({ connectionString: url.toString() });
await client.connect();

const tables = STAR_TABLE_NAMES.flatMap((table) => {
  let files: string[] = [];
  try {
    files = walk(join(starDir, table)).sort();
  } catch {
    return [];
  }
  const sources = files.map((path) => ({
    key: path,
    sha256: "",
    rows: readParquetSchema(new Uint8Array(readFileSync(path))).rows,
    read: async () => new Uint8Array(readFileSync(path)),
  }));
  return [{ table, files: sources }];
});
const began = performance.now();
const seconds = () => ((performance.now() - began) / 1000).toFixed(2);
const result = await loadRunIntoPostgres(client, {
  runId: "20261205T000000000Z-00000001",
  tables,
  connect,
  stagingConnections: Number(process.env.PROFILE_LANES ?? 2),
  firstLoadInsert: process.env.PROFILE_MERGE !== "1",
  onTableLoaded: (t) =>
    console.log(`${seconds()} s  ${t.table} done: ${t.rows} rows, ${t.durationMs} ms, ${t.path ?? ""}`),
});
console.log(`${seconds()} s  whole load, ${result.rows} rows`);
for (const t of client.timings.filter((t) => t.ms > 50))
  console.log(`${t.ms.toFixed(0).padStart(7)} ms  ${t.sql}`);
await client.end();
