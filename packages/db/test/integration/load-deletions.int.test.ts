import { freshDatabase } from "@etl/local-cloud/testing";
import { type StarDeletion, toDimDate } from "@etl/schemas";
import pg from "pg";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { controlDdl } from "../../src/ddl/control";
import { warehouseDdl } from "../../src/ddl/warehouse";
import { redshiftDeletionStatements } from "../../src/redshift/deletions";
import { loadRunIntoPostgres } from "../../src/warehouse/load-run";
import { runTables, starRowsOf } from "./load-fixtures";

const clients: pg.Client[] = [];
let client: pg.Client;

beforeEach(async () => {
  client = new pg.Client({ connectionString: await freshDatabase("deletions") });
  await client.connect();
  clients.push(client);
  for (const sql of [...warehouseDdl(), ...controlDdl()]) await client.query(sql);
  await loadRunIntoPostgres(client, { runId: RUN_1, tables: runTables(RUN_1, starRowsOf()), now: NOW });
});

afterAll(async () => {
  for (const c of clients) await c.end();
});

const RUN_1 = "20261123T141500123Z-00000001";
const RUN_2 = "20261124T141500123Z-00000002";
const RUN_3 = "20261125T141500123Z-00000003";
const NOW = () => new Date("2026-11-24T15:00:00.000Z");
const AT = "2026-11-24 10:00:00.250000";
const DELETIONS: StarDeletion[] = [
  { table: "dim_staff", keys: [1], deletedAt: AT },
  { table: "fact_sales_order", keys: [1], deletedAt: AT },
];
/** The run that declares the deletions: the detection date in dim_date, nothing else. */
const deletionRun = (runId: string, deletions = DELETIONS) => ({
  runId,
  tables: runTables(runId, { dim_date: toDimDate(["2026-11-24"]) }),
  deletions,
  now: NOW,
});

async function rows(sql: string): Promise<Record<string, unknown>[]> {
  return (await client.query(sql)).rows;
}

const FACTS = `select sales_order_id, last_updated_date::text, last_updated_time::text, units_sold, unit_price::text,
  sales_staff_id, is_deleted, deleted_at::text from warehouse.fact_sales_order order by sales_order_id, last_updated_date, last_updated_time`;
const STAFF = `select staff_id, first_name, is_deleted, deleted_at::text, source_updated_at::text from warehouse.dim_staff`;

describe("deletions on PostgreSQL", () => {
  it("adds a fact's deletion version from its last version and marks a dimension row deleted", async () => {
    const before = await rows(FACTS);

    const result = await loadRunIntoPostgres(client, deletionRun(RUN_2));

    expect(result.deleted).toBe(2);
    const facts = await rows(FACTS);
    expect(facts.filter((r) => r.is_deleted === false)).toEqual(before);
    const first = before.find((r) => r.sales_order_id === 1);
    expect(facts).toContainEqual({
      ...first,
      last_updated_date: "2026-11-24",
      last_updated_time: "10:00:00.25",
      is_deleted: true,
      deleted_at: "2026-11-24 10:00:00.25",
    });
    expect(facts).toHaveLength(3);
    expect(await rows(STAFF)).toEqual([
      expect.objectContaining({
        staff_id: 1,
        is_deleted: true,
        deleted_at: "2026-11-24 10:00:00.25",
        source_updated_at: "2026-11-24 10:00:00.25",
      }),
    ]);
  });

  it("changes nothing when a later run declares the same deletions again", async () => {
    await loadRunIntoPostgres(client, deletionRun(RUN_2));
    const facts = await rows(FACTS);
    const staff = await rows(STAFF);

    const again = await loadRunIntoPostgres(client, deletionRun(RUN_3));

    expect(again.deleted).toBe(0);
    expect(await rows(FACTS)).toEqual(facts);
    expect(await rows(STAFF)).toEqual(staff);
  });

  it("a replayed older version does not bring a deleted dimension row back", async () => {
    await loadRunIntoPostgres(client, deletionRun(RUN_2));

    await loadRunIntoPostgres(client, { runId: RUN_3, tables: runTables(RUN_3, starRowsOf()), now: NOW });

    expect(await rows(STAFF)).toEqual([expect.objectContaining({ staff_id: 1, is_deleted: true })]);
  });

  it("the Redshift statements write the same rows, and again nothing on a replay", async () => {
    await loadRunIntoPostgres(client, deletionRun(RUN_2));
    const expected = { facts: await rows(FACTS), staff: await rows(STAFF) };
    const other = new pg.Client({ connectionString: await freshDatabase("deletions_rs") });
    await other.connect();
    clients.push(other);
    for (const sql of [...warehouseDdl(), ...controlDdl()]) await other.query(sql);
    await loadRunIntoPostgres(other, { runId: RUN_1, tables: runTables(RUN_1, starRowsOf()), now: NOW });
    await loadRunIntoPostgres(other, deletionRun(RUN_2, []));

    for (let i = 0; i < 2; i++) {
      for (const sql of redshiftDeletionStatements("warehouse", DELETIONS)) await other.query(sql);
    }

    expect({ facts: (await other.query(FACTS)).rows, staff: (await other.query(STAFF)).rows }).toEqual(
      expected,
    );
  });
});
