import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RunningCloud, startLocalCloud } from "@etl/local-cloud";
import { STAR_TABLE_NAMES } from "@etl/schemas";
import { applyChanges, seedDatabase } from "@etl/synthetic";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { preparePipeline, runCycle } from "../../src/cli/commands/pipeline";
import { openLocalEnvironment } from "../../src/environment";
import { expectedStarSql, warehouseSql } from "./expected-star";

const SOURCE_TABLES = [
  "address",
  "counterparty",
  "currency",
  "department",
  "design",
  "staff",
  "sales_order",
  "purchase_order",
  "payment_type",
  "transaction",
  "payment",
];

let cloud: RunningCloud;
let dataDir = "";
let oltp: pg.Client;
let warehouse: pg.Client;
const cycles: Awaited<ReturnType<typeof runCycle>>[] = [];

/** Keeps a copy of the OLTP tables as a run saw them: facts keep every version. */
async function snapshotOltp(schema: string): Promise<void> {
  await oltp.query(`create schema ${schema}`);
  for (const table of SOURCE_TABLES)
    await oltp.query(`create table ${schema}."${table}" as select * from public."${table}"`);
}

beforeAll(async () => {
  // Its own services: the pipeline drains every S3 event the server spools.
  dataDir = mkdtempSync(join(tmpdir(), "etl-e2e-"));
  cloud = await startLocalCloud({ dataDir });
  for (const key of ["DATABASE_URL", "WAREHOUSE_URL", "S3_ENDPOINT", "DYNAMODB_ENDPOINT"])
    delete process.env[key];
  const local = await openLocalEnvironment(dataDir);
  oltp = new pg.Client({ connectionString: cloud.endpoints.databaseUrl });
  warehouse = new pg.Client({ connectionString: cloud.endpoints.warehouseUrl });
  await oltp.connect();
  await warehouse.connect();

  await seedDatabase({ databaseUrl: cloud.endpoints.databaseUrl, seed: 7, scale: 300 });
  const pipeline = await preparePipeline(local);
  cycles.push(await runCycle(pipeline, () => {}));
  await snapshotOltp("seen_run_1");
  await applyChanges({ databaseUrl: cloud.endpoints.databaseUrl, seed: 8 });
  cycles.push(await runCycle(pipeline, () => {}));
  cycles.push(await runCycle(pipeline, () => {}));
}, 240_000);

afterAll(async () => {
  await oltp?.end();
  await warehouse?.end();
  await cloud?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("the pipeline end to end on the local services", () => {
  it("runs both cycles without dead letters, and a third with nothing to do", () => {
    expect(cycles.map((c) => c.rows > 0)).toEqual([true, true, false]);
    expect(cycles.flatMap((c) => c.stages.map((s) => s.deadLettered ?? 0))).toEqual([
      0, 0, 0, 0, 0, 0, 0, 0, 0,
    ]);
  });

  it.each(STAR_TABLE_NAMES)(
    "%s equals the star schema computed in SQL from the OLTP database",
    async (table) => {
      const expected = await oltp.query({
        text: expectedStarSql(table, ["seen_run_1", "public"]),
        rowMode: "array",
      });
      const actual = await warehouse.query({ text: warehouseSql(table, "warehouse"), rowMode: "array" });

      expect(actual.rows.length).toBeGreaterThan(0);
      expect(actual.rows).toEqual(expected.rows);
    },
  );
});

describe("what the day of changes did", () => {
  it("added second versions of sales orders and kept the first", async () => {
    const { rows } = await warehouse.query<{ versions: string; orders: string }>(
      "select count(*) as versions, count(distinct sales_order_id) as orders from warehouse.fact_sales_order",
    );

    expect(Number(rows[0]?.versions)).toBeGreaterThan(Number(rows[0]?.orders));
  });

  it("changed an address, and dim_location holds the new version", async () => {
    const changed = await oltp.query<{ address_id: number; phone: string }>(
      `select a.address_id, a.phone from public.address a join seen_run_1.address s using (address_id)
        where a.phone is distinct from s.phone`,
    );
    const inWarehouse = await warehouse.query<{ phone: string }>(
      "select phone from warehouse.dim_location where location_id = $1",
      [changed.rows[0]?.address_id],
    );

    const counterparties = await warehouse.query<{ phone: string }>(
      `select counterparty_legal_phone_number as phone from warehouse.dim_counterparty
        where counterparty_id in (select counterparty_id from warehouse.dim_counterparty) and counterparty_legal_phone_number = $1`,
      [changed.rows[0]?.phone],
    );

    expect(changed.rows).toHaveLength(1);
    expect(inWarehouse.rows[0]?.phone).toBe(changed.rows[0]?.phone);
    expect(counterparties.rows.length).toBeGreaterThan(0);
  });

  it("moved a department, and every dim_staff row in it has the new location", async () => {
    const moved = await oltp.query<{ department_name: string; location: string }>(
      `select d.department_name, d.location from public.department d join seen_run_1.department s using (department_id)
        where d.location is distinct from s.location`,
    );
    const staff = await warehouse.query<{ location: string }>(
      "select distinct location from warehouse.dim_staff where department_name = $1",
      [moved.rows[0]?.department_name],
    );

    expect(moved.rows).toHaveLength(1);
    expect(staff.rows.map((r) => r.location)).toEqual([moved.rows[0]?.location]);
  });
});
