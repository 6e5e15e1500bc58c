import { freshDatabase } from "@etl/local-cloud/testing";
import { STAR_COLUMNS, type StarTable } from "@etl/schemas";
import pg from "pg";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { controlDdl } from "../../src/ddl/control";
import { warehouseDdl } from "../../src/ddl/warehouse";
import { finishRunSql } from "../../src/redshift/run-ledger-sql";
import {
  copySql,
  redshiftStagingDdl,
  redshiftStagingName,
  type TableBatchInput,
  tableBatchSql,
} from "../../src/redshift/sql";
import { qualified } from "../../src/sql";
import { starRowsOf } from "./load-fixtures";

/**
 * Every statement of a Redshift table batch but the COPY runs here on PostgreSQL, where the
 * dialects agree: the COPY is replaced by inserting the same rows into the staging table.
 */

const clients: pg.Client[] = [];
let client: pg.Client;

beforeEach(async () => {
  client = new pg.Client({ connectionString: await freshDatabase("rsql") });
  await client.connect();
  clients.push(client);
  const staging = (Object.keys(STAR_COLUMNS) as StarTable[]).map((t) =>
    redshiftStagingDdl("warehouse", t, "postgres"),
  );
  for (const sql of [...warehouseDdl(), ...controlDdl(), ...staging]) await client.query(sql);
});

afterAll(async () => {
  for (const c of clients) await c.end();
});

const RUN = "20261123T141500123Z-00000001";

function input(table: StarTable, keys: string[]): TableBatchInput {
  return {
    schema: "warehouse",
    controlSchema: "etl",
    table,
    runId: RUN,
    source: { uri: `s3://etl-processed/star/${table}/${RUN}-0001.parquet`, manifest: false },
    iamRoleArn: "arn:aws:iam::123456789012:role/etl-copy",
    files: keys.map((key) => ({ key, sha256: "a".repeat(64), rows: 1 })),
    loadedAt: new Date("2026-11-23T15:00:00.000Z"),
  };
}

/** What the COPY would do: the file's rows appended to staging (times still as text). */
async function stage(table: StarTable, rows: readonly object[]): Promise<void> {
  const columns = STAR_COLUMNS[table].map((c) => c.name);
  for (const row of rows) {
    const values = columns.map((c) => (row as Record<string, unknown>)[c] ?? null);
    const placeholders = columns.map((_, i) => `$${i + 1}`).join(", ");
    await client.query(
      `insert into ${qualified("warehouse", redshiftStagingName(table))} (${columns.map((c) => `"${c}"`).join(", ")}) values (${placeholders})`,
      values,
    );
  }
}

/** Runs a table's batch in one transaction, with the COPY replaced by `stage`. */
async function runBatch(
  table: StarTable,
  rows: readonly object[],
  keys = [`star/${table}/${RUN}-0001.parquet`],
) {
  const batch = input(table, keys);
  const statements = tableBatchSql(batch);
  await client.query("begin");
  for (const sql of statements) {
    if (sql === copySql(batch)) await stage(table, rows);
    else await client.query(sql);
  }
  await client.query("commit");
}

const count = async (table: string) =>
  (await client.query(`select count(*)::int as n from ${table}`)).rows[0].n as number;

async function loadAll(rows = starRowsOf()): Promise<void> {
  for (const table of [
    "dim_date",
    "dim_location",
    "dim_currency",
    "dim_design",
    "dim_staff",
    "dim_counterparty",
    "fact_sales_order",
  ] as const) {
    await runBatch(table, rows[table] ?? []);
  }
}

describe("the Redshift batch SQL on PostgreSQL", () => {
  it("loads dimensions, dates and facts, casts times, writes the ledger and empties staging", async () => {
    await loadAll();

    expect(await count("warehouse.dim_date")).toBe(3);
    expect(await count("warehouse.dim_location")).toBe(2);
    const facts = await client.query(
      "select sales_order_id, created_time::text, unit_price::text from warehouse.fact_sales_order order by 1",
    );
    expect(facts.rows).toEqual([
      { sales_order_id: 1, created_time: "14:20:52.186", unit_price: "3.94" },
      { sales_order_id: 2, created_time: "14:20:52.186", unit_price: "2.50" },
    ]);
    const ledger = await client.query(
      "select key, run_id, table_name, rows::int from etl.loaded_files order by key",
    );
    expect(ledger.rows).toHaveLength(7);
    expect(ledger.rows[0]).toEqual({
      key: `star/dim_counterparty/${RUN}-0001.parquet`,
      run_id: RUN,
      table_name: "dim_counterparty",
      rows: 1,
    });
    expect(await count("warehouse.stg_fact_sales_order")).toBe(0);
  });

  it("changes nothing when a batch runs again", async () => {
    await loadAll();
    const before = await client.query(
      "select xmin::text, * from warehouse.fact_sales_order order by sales_record_id",
    );
    const dims = await client.query("select xmin::text, * from warehouse.dim_location order by location_id");

    await loadAll();

    const after = await client.query(
      "select xmin::text, * from warehouse.fact_sales_order order by sales_record_id",
    );
    expect(after.rows).toEqual(before.rows);
    expect(
      (await client.query("select xmin::text, * from warehouse.dim_location order by location_id")).rows,
    ).toEqual(dims.rows);
    expect(await count("etl.loaded_files")).toBe(7);
  });

  it("updates a changed dimension row and inserts a new one with MERGE", async () => {
    await loadAll();
    const location = starRowsOf().dim_location ?? [];
    const changed = [
      { ...location[0], city: "Bradford" },
      { ...location[1] },
      { ...location[1], location_id: 3 },
    ];

    await runBatch("dim_location", changed, ["star/dim_location/other-0001.parquet"]);

    const rows = await client.query("select location_id, city from warehouse.dim_location order by 1");
    expect(rows.rows).toEqual([
      { location_id: 1, city: "Bradford" },
      { location_id: 2, city: "Leeds" },
      { location_id: 3, city: "Leeds" },
    ]);
  });

  it("inserts a new fact version and keeps the old one; duplicates in staging collapse", async () => {
    await loadAll();
    const fact = (starRowsOf().fact_sales_order ?? [])[0] as Record<string, unknown>;
    const next = { ...fact, units_sold: 7, last_updated_time: "15:00:00.000001" };

    await runBatch("fact_sales_order", [next, next, fact], ["star/fact_sales_order/other-0001.parquet"]);

    const versions = await client.query(
      "select units_sold, last_updated_time::text from warehouse.fact_sales_order where sales_order_id = 1 order by sales_record_id",
    );
    expect(versions.rows).toEqual([
      { units_sold: 42972, last_updated_time: "14:20:52.186" },
      { units_sold: 7, last_updated_time: "15:00:00.000001" },
    ]);
  });

  it("writes the run row as FINISHED, replacing an earlier one", async () => {
    const row = {
      controlSchema: "etl",
      runId: RUN,
      target: "redshift",
      startedAt: new Date("2026-11-23T15:00:00Z"),
      finishedAt: new Date("2026-11-23T15:01:00Z"),
      files: 7,
      rows: 11,
    };

    for (const sql of finishRunSql(row)) await client.query(sql);
    for (const sql of finishRunSql({ ...row, rows: 12 })) await client.query(sql);

    const runs = await client.query(
      "select run_id, status, files, rows::int, inserted::int, updated::int, finished_at from etl.load_runs",
    );
    expect(runs.rows).toEqual([
      {
        run_id: RUN,
        status: "FINISHED",
        files: 7,
        rows: 12,
        inserted: 0,
        updated: 0,
        finished_at: new Date("2026-11-23T15:01:00Z"),
      },
    ]);
  });
});

describe("the Redshift batch SQL on PostgreSQL: a run loaded late cannot make a dimension older", () => {
  const location = (city: string, at: string | null) => ({
    ...((starRowsOf().dim_location ?? [])[0] as Record<string, unknown>),
    city,
    source_updated_at: at,
  });
  const cityOf = async () =>
    (
      await client.query(
        "select city, source_updated_at::text as at from warehouse.dim_location where location_id = 1",
      )
    ).rows;
  const tableLedger = async (table: string) =>
    (
      await client.query(
        `select files, rows::int, inserted::int, updated::int from etl.loaded_tables
          where run_id = $1 and table_name = $2`,
        [RUN, table],
      )
    ).rows;

  it("keeps CityB (run N+1) when run N's CityA is loaded after it, and counts nothing written", async () => {
    await runBatch("dim_location", [location("CityB", "2022-11-06 10:00:00.000000")], ["star/n1.parquet"]);

    await runBatch("dim_location", [location("CityA", "2022-11-05 10:00:00.000000")], ["star/n.parquet"]);

    expect(await cityOf()).toEqual([{ city: "CityB", at: "2022-11-06 10:00:00" }]);
    expect(await tableLedger("dim_location")).toEqual([{ files: 1, rows: 1, inserted: 0, updated: 0 }]);
  });

  it("takes a newer version, and counts it as updated", async () => {
    await runBatch("dim_location", [location("CityA", "2022-11-05 10:00:00.000000")], ["star/n.parquet"]);

    await runBatch("dim_location", [location("CityB", "2022-11-06 10:00:00.000000")], ["star/n1.parquet"]);

    expect(await cityOf()).toEqual([{ city: "CityB", at: "2022-11-06 10:00:00" }]);
    expect(await tableLedger("dim_location")).toEqual([{ files: 1, rows: 1, inserted: 0, updated: 1 }]);
  });

  it("keeps the newest version of a key within one batch, whatever the order in staging", async () => {
    await runBatch(
      "dim_location",
      [location("CityB", "2022-11-06 10:00:00.000000"), location("CityA", "2022-11-05 10:00:00.000000")],
      ["star/both.parquet"],
    );

    expect(await cityOf()).toEqual([{ city: "CityB", at: "2022-11-06 10:00:00" }]);
  });

  it("replaces a row loaded before source_updated_at existed, but never with an undated one", async () => {
    await runBatch("dim_location", [location("Old", null)], ["star/old.parquet"]);
    await runBatch("dim_location", [location("CityA", "2022-11-05 10:00:00.000000")], ["star/n.parquet"]);
    expect(await cityOf()).toEqual([{ city: "CityA", at: "2022-11-05 10:00:00" }]);

    await runBatch("dim_location", [location("Undated", null)], ["star/undated.parquet"]);

    expect(await cityOf()).toEqual([{ city: "CityA", at: "2022-11-05 10:00:00" }]);
  });
});
