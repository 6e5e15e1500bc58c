import { freshDatabase } from "@etl/local-cloud/testing";
import pg from "pg";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { controlDdl } from "../../src/ddl/control";
import { warehouseDdl } from "../../src/ddl/warehouse";
import { LoadTransientError } from "../../src/errors";
import { loadRunIntoPostgres } from "../../src/warehouse/load-run";
import { runTables, starRowsOf } from "./load-fixtures";

const clients: pg.Client[] = [];
let url = "";
let client: pg.Client;
let connects = 0;

async function connect(): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  clients.push(c);
  return c;
}
const stagingConnect = async () => {
  connects += 1;
  return connect();
};

beforeEach(async () => {
  url = await freshDatabase("staging");
  client = await connect();
  connects = 0;
  for (const sql of [...warehouseDdl(), ...controlDdl()]) await client.query(sql);
});

afterAll(async () => {
  for (const c of clients) await c.end().catch(() => undefined);
});

const RUN_1 = "20261123T141500123Z-00000001";
const NOW = () => new Date("2026-11-23T15:00:00.000Z");

async function leftovers(): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(
    "select relname as name from pg_class where relname like 'stg\\_%' and relpersistence <> 't'",
  );
  return rows.map((r) => r.name);
}

async function counts(): Promise<Record<string, number>> {
  const { rows } = await client.query<{ t: string; n: number }>(
    `select 'dim_date' as t, count(*)::int as n from warehouse.dim_date
     union all select 'dim_location', count(*)::int from warehouse.dim_location
     union all select 'fact_sales_order', count(*)::int from warehouse.fact_sales_order
     union all select 'load_runs', count(*)::int from etl.load_runs`,
  );
  return Object.fromEntries(rows.map((r) => [r.t, r.n]));
}

describe("loadRunIntoPostgres staging on parallel connections", () => {
  it("stages tables on several connections, merges in one transaction, and leaves no staging table", async () => {
    const result = await loadRunIntoPostgres(client, {
      runId: RUN_1,
      tables: runTables(RUN_1, starRowsOf()),
      now: NOW,
      connect: stagingConnect,
      stagingConnections: 3,
      // An empty warehouse would take the first load, on the run's connection alone.
      firstLoadInsert: false,
    });

    expect(connects).toBe(2);
    expect(result.status).toBe("loaded");
    expect(result.tables.map((t) => [t.table, t.inserted, t.updated])).toEqual([
      ["dim_date", 3, 0],
      ["dim_location", 2, 0],
      ["dim_currency", 1, 0],
      ["dim_design", 1, 0],
      ["dim_staff", 1, 0],
      ["dim_counterparty", 1, 0],
      ["fact_sales_order", 2, 0],
    ]);
    expect(await counts()).toEqual({ dim_date: 3, dim_location: 2, fact_sales_order: 2, load_runs: 1 });
    expect(await leftovers()).toEqual([]);
  });

  it("commits nothing and leaves no staging table when a table fails on another connection", async () => {
    const tables = runTables(RUN_1, starRowsOf(), async (table, bytes) => {
      if (table === "fact_sales_order") throw new Error("connection reset while reading");
      return bytes;
    });

    const failure = await loadRunIntoPostgres(client, {
      runId: RUN_1,
      tables,
      now: NOW,
      connect: stagingConnect,
      stagingConnections: 3,
    }).catch((e) => e);

    expect(failure).toBeInstanceOf(LoadTransientError);
    expect((failure as LoadTransientError).context).toMatchObject({ table: "fact_sales_order" });
    expect(await counts()).toEqual({ dim_date: 0, dim_location: 0, fact_sales_order: 0, load_runs: 0 });
    expect(await leftovers()).toEqual([]);
  });
});
