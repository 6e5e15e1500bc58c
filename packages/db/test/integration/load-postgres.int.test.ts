import { freshDatabase } from "@etl/local-cloud/testing";
import { isRetryable } from "@etl/schemas";
import { makeAddress, makeSalesOrder } from "@etl/schemas/testing";
import pg from "pg";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { controlDdl } from "../../src/ddl/control";
import { warehouseDdl } from "../../src/ddl/warehouse";
import { LoadDataError, LoadTransientError } from "../../src/errors";
import { loadRunIntoPostgres } from "../../src/warehouse/load-run";
import { loadParquetIntoPostgres } from "../../src/warehouse/load-table";
import { migratePostgresWarehouse } from "../../src/warehouse/migrate";
import { runTables, starParquet, starRowsOf } from "./load-fixtures";

const clients: pg.Client[] = [];
let client: pg.Client;
let url = "";

async function connect(url: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  clients.push(c);
  return c;
}

beforeEach(async () => {
  url = await freshDatabase("load");
  client = await connect(url);
  for (const sql of [...warehouseDdl(), ...controlDdl()]) await client.query(sql);
});

afterAll(async () => {
  for (const c of clients) await c.end();
});

const RUN_1 = "20261123T141500123Z-00000001";
const RUN_2 = "20261124T141500123Z-00000002";
const NOW = () => new Date("2026-11-23T15:00:00.000Z");

/** Every row of every table, in a stable order: what "nothing changed" compares. */
async function snapshot(): Promise<Record<string, unknown[]>> {
  const tables = [
    "warehouse.dim_date",
    "warehouse.dim_location",
    "warehouse.dim_currency",
    "warehouse.dim_design",
    "warehouse.dim_staff",
    "warehouse.dim_counterparty",
    "warehouse.fact_sales_order",
    "etl.loaded_files",
    "etl.load_runs",
  ];
  const out: Record<string, unknown[]> = {};
  for (const t of tables) out[t] = (await client.query(`select * from ${t} order by 1, 2`)).rows;
  return out;
}

describe("loadRunIntoPostgres", () => {
  it("loads a run: dimensions, dates, facts and the ledger, with exact values", async () => {
    const result = await loadRunIntoPostgres(client, {
      runId: RUN_1,
      tables: runTables(RUN_1, starRowsOf()),
      now: NOW,
    });

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
    const facts = await client.query(
      `select sales_record_id, sales_order_id, unit_price::text, created_time::text, created_date::text
         from warehouse.fact_sales_order order by sales_order_id`,
    );
    expect(facts.rows).toEqual([
      {
        sales_record_id: "1",
        sales_order_id: 1,
        unit_price: "3.94",
        created_time: "14:20:52.186",
        created_date: "2022-11-03",
      },
      {
        sales_record_id: "2",
        sales_order_id: 2,
        unit_price: "2.50",
        created_time: "14:20:52.186",
        created_date: "2022-11-03",
      },
    ]);
    const location = await client.query("select * from warehouse.dim_location where location_id = 1");
    expect(location.rows[0]).toMatchObject({ address_line_2: null, address_line_1: "6826 Herzog Via" });
    const ledger = await client.query("select run_id, status, files, rows::int from etl.load_runs");
    expect(ledger.rows).toEqual([{ run_id: RUN_1, status: "FINISHED", files: 7, rows: 11 }]);
    expect((await client.query("select count(*)::int as n from etl.loaded_files")).rows[0].n).toBe(7);
  });

  it("changes nothing when the same run is loaded again", async () => {
    await loadRunIntoPostgres(client, { runId: RUN_1, tables: runTables(RUN_1, starRowsOf()), now: NOW });
    const before = await snapshot();

    const again = await loadRunIntoPostgres(client, {
      runId: RUN_1,
      tables: runTables(RUN_1, starRowsOf()),
      now: NOW,
    });

    expect(again.status).toBe("skipped");
    expect(await snapshot()).toEqual(before);
  });

  it("changes nothing when another run carries the same rows", async () => {
    await loadRunIntoPostgres(client, { runId: RUN_1, tables: runTables(RUN_1, starRowsOf()), now: NOW });
    const before = await snapshot();

    const second = await loadRunIntoPostgres(client, {
      runId: RUN_2,
      tables: runTables(RUN_2, starRowsOf()),
      now: NOW,
    });

    expect(second.tables.every((t) => t.inserted === 0 && t.updated === 0)).toBe(true);
    const after = await snapshot();
    expect(after["warehouse.fact_sales_order"]).toEqual(before["warehouse.fact_sales_order"]);
    expect(after["warehouse.dim_location"]).toEqual(before["warehouse.dim_location"]);
  });

  it("keeps the newest version of a dimension row, within a load and across loads in any order", async () => {
    const location = (city: string, at: string) => ({
      ...((starRowsOf().dim_location ?? [])[0] as Record<string, unknown>),
      city,
      source_updated_at: at,
    });
    const newer = location("CityB", "2022-11-06 10:00:00.000000");
    const older = location("CityA", "2022-11-05 10:00:00.000000");
    const city = async () =>
      (await client.query("select city from warehouse.dim_location where location_id = 1")).rows;

    // The newer version in the earlier file: the later file does not win by arrival alone.
    const both = await loadParquetIntoPostgres(client, {
      table: "dim_location",
      files: [starParquet("dim_location", [newer]), starParquet("dim_location", [older])],
    });
    const late = await loadParquetIntoPostgres(client, {
      table: "dim_location",
      files: [starParquet("dim_location", [older])],
    });

    expect(both).toMatchObject({ rows: 2, inserted: 1, updated: 0 });
    expect(late).toMatchObject({ rows: 1, inserted: 0, updated: 0 });
    expect(await city()).toEqual([{ city: "CityB" }]);
  });

  it("adds a row for a second version of a sales order and keeps the first", async () => {
    await loadRunIntoPostgres(client, { runId: RUN_1, tables: runTables(RUN_1, starRowsOf()), now: NOW });
    const changed = makeSalesOrder({
      sales_order_id: 1,
      units_sold: 5,
      last_updated: "2022-11-04 09:00:00.000001",
    });

    await loadRunIntoPostgres(client, {
      runId: RUN_2,
      tables: runTables(RUN_2, starRowsOf({ salesOrders: [changed] })),
      now: NOW,
    });

    const versions = await client.query(
      `select sales_record_id::int, units_sold, last_updated_date::text, last_updated_time::text
         from warehouse.fact_sales_order where sales_order_id = 1 order by sales_record_id`,
    );
    expect(versions.rows).toEqual([
      {
        sales_record_id: 1,
        units_sold: 42972,
        last_updated_date: "2022-11-03",
        last_updated_time: "14:20:52.186",
      },
      {
        sales_record_id: 3,
        units_sold: 5,
        last_updated_date: "2022-11-04",
        last_updated_time: "09:00:00.000001",
      },
    ]);
  });

  it("updates dim_location and dim_counterparty when an address changes", async () => {
    await loadRunIntoPostgres(client, { runId: RUN_1, tables: runTables(RUN_1, starRowsOf()), now: NOW });
    const moved = [
      makeAddress({ address_id: 1, address_line_1: "1 New Street", last_updated: "2022-11-05 10:00:00" }),
      makeAddress({ address_id: 2, address_line_2: "Flat 2", city: "Leeds" }),
    ];

    const result = await loadRunIntoPostgres(client, {
      runId: RUN_2,
      tables: runTables(RUN_2, starRowsOf({ addresses: moved })),
      now: NOW,
    });

    expect(result.tables.find((t) => t.table === "dim_location")).toMatchObject({ inserted: 0, updated: 1 });
    expect(result.tables.find((t) => t.table === "dim_counterparty")).toMatchObject({
      inserted: 0,
      updated: 1,
    });
    const location = await client.query(
      "select address_line_1 from warehouse.dim_location where location_id = 1",
    );
    const counterparty = await client.query(
      "select counterparty_legal_address_line_1 from warehouse.dim_counterparty where counterparty_id = 1",
    );
    expect(location.rows[0].address_line_1).toBe("1 New Street");
    expect(counterparty.rows[0].counterparty_legal_address_line_1).toBe("1 New Street");
  });

  it("leaves the warehouse unchanged when a table fails part-way, and a replay then succeeds", async () => {
    await loadRunIntoPostgres(client, { runId: RUN_1, tables: runTables(RUN_1, starRowsOf()), now: NOW });
    const before = await snapshot();
    const moved = [
      makeAddress({ address_id: 1, address_line_1: "1 New Street", last_updated: "2022-11-05 10:00:00" }),
    ];
    const changed = starRowsOf({
      addresses: moved,
      salesOrders: [makeSalesOrder({ sales_order_id: 9, agreed_delivery_location_id: 1 })],
    });
    const failing = runTables(RUN_2, changed, async (table, bytes) => {
      if (table === "dim_counterparty") throw new Error("connection reset while reading");
      return bytes;
    });

    const failure = await loadRunIntoPostgres(client, { runId: RUN_2, tables: failing, now: NOW }).catch(
      (e) => e,
    );

    expect(failure).toBeInstanceOf(LoadTransientError);
    expect((failure as LoadTransientError).context).toMatchObject({ table: "dim_counterparty" });
    expect(await snapshot()).toEqual(before);

    const replay = await loadRunIntoPostgres(client, {
      runId: RUN_2,
      tables: runTables(RUN_2, changed),
      now: NOW,
    });

    expect(replay.status).toBe("loaded");
    const facts = await client.query("select count(*)::int as n from warehouse.fact_sales_order");
    expect(facts.rows[0].n).toBe(3);
  });

  it.each([
    ["enforced foreign keys", async () => undefined],
    ["the migration's foreign keys", async () => migratePostgresWarehouse(client)],
  ])(
    "refuses a run whose facts reference missing dimension keys, naming them, and commits nothing (%s)",
    async (_, prepare) => {
      await prepare();
      const rows = starRowsOf();
      const fact = rows.fact_sales_order?.[0] ?? {};
      const bad = [
        { ...fact, design_id: 999 },
        { ...fact, sales_order_id: 2, design_id: 998, agreed_payment_date: "2031-01-01" },
      ];
      const tables = runTables(RUN_1, rows).map((t) =>
        t.table === "fact_sales_order"
          ? {
              ...t,
              files: t.files.map((f) => ({
                ...f,
                read: async () => starParquet("fact_sales_order", bad),
                rows: 2,
              })),
            }
          : t,
      );
      const before = await snapshot();

      const failure = await loadRunIntoPostgres(client, { runId: RUN_1, tables, now: NOW }).catch((e) => e);

      expect(failure).toBeInstanceOf(LoadDataError);
      expect(isRetryable(failure)).toBe(false);
      expect(failure).toMatchObject({ code: "MISSING_REFERENCE", context: { table: "fact_sales_order" } });
      expect((failure as Error).message).toBe(
        "fact_sales_order: keys missing from their dimensions: design_id -> dim_design.design_id: 998, 999; " +
          "agreed_payment_date -> dim_date.date_id: 2031-01-01",
      );
      expect(await snapshot()).toEqual(before);
    },
  );

  it("refuses a file whose row count differs from its manifest", async () => {
    const tables = runTables(RUN_1, starRowsOf()).map((t) => ({
      ...t,
      files: t.files.map((f) => ({ ...f, rows: f.rows + 1 })),
    }));

    const failure = await loadRunIntoPostgres(client, { runId: RUN_1, tables, now: NOW }).catch((e) => e);

    expect(failure).toBeInstanceOf(LoadDataError);
    expect((failure as Error).message).toMatch(
      /^dim_date star\/dim_date\/.+: the file holds 3 rows, its manifest says 4$/,
    );
  });

  it("serialises two loads into the same warehouse with an advisory lock", async () => {
    const other = await connect(url);
    await other.query("begin");
    await other.query("select pg_advisory_xact_lock(hashtextextended('etl.load:warehouse', 0))");

    const pending = loadRunIntoPostgres(client, {
      runId: RUN_1,
      tables: runTables(RUN_1, starRowsOf()),
      now: NOW,
    });
    let waiting = 0;
    for (let i = 0; i < 200 && waiting === 0; i++) {
      const locks = await other.query(
        "select count(*)::int as n from pg_locks where locktype = 'advisory' and not granted",
      );
      waiting = locks.rows[0].n;
      if (waiting === 0) await new Promise((r) => setTimeout(r, 25));
    }
    await other.query("commit");
    const result = await pending;

    expect(waiting).toBe(1);
    expect(result.status).toBe("loaded");
  });
});

describe("loadParquetIntoPostgres", () => {
  it("loads several row groups and text that needs escaping", async () => {
    const rows = starRowsOf();
    await loadRunIntoPostgres(client, {
      runId: RUN_1,
      tables: runTables(RUN_1, { ...rows, fact_sales_order: undefined }),
      now: NOW,
    });
    const designs = [
      { design_id: 2, design_name: "tab\there", file_location: "back\\slash", file_name: "line\nbreak é" },
      { design_id: 3, design_name: "日本語", file_location: "\\N", file_name: "" },
    ];

    const result = await loadParquetIntoPostgres(client, {
      table: "dim_design",
      files: [starParquet("dim_design", designs, 1)],
    });

    expect(result).toMatchObject({ rows: 2, inserted: 2, updated: 0 });
    const stored = await client.query(
      "select design_id, design_name, file_location, file_name from warehouse.dim_design where design_id > 1 order by 1",
    );
    expect(stored.rows).toEqual(designs);
  });
});
