import { freshDatabase } from "@etl/local-cloud/testing";
import { compareSourceSchema, SOURCE_TABLE_NAMES } from "@etl/schemas";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { oltpDdl } from "../../src/ddl/oltp";
import { openSourceSnapshot } from "../../src/source/snapshot";

let client: pg.Client;

beforeAll(async () => {
  client = new pg.Client({ connectionString: await freshDatabase("catalog") });
  await client.connect();
  for (const sql of oltpDdl()) await client.query(sql);
});

afterAll(async () => {
  await client.end();
});

/** The drift the snapshot sees, read inside its transaction. */
async function driftNow() {
  const snapshot = await openSourceSnapshot(client, 0);
  const catalog = await snapshot.describeColumns();
  await snapshot.close();
  return compareSourceSchema(catalog, SOURCE_TABLE_NAMES);
}

describe("SourceSnapshot.describeColumns", () => {
  it("describes the totesys tables exactly as the source contract does", async () => {
    expect(await driftNow()).toEqual({ added: {}, broken: [], newTables: [] });
  });

  it("sees an added column, a retyped one, a dropped one and a new table", async () => {
    await client.query("alter table sales_order add column discount_rate numeric(4,2)");
    await client.query("alter table purchase_order alter column item_quantity type numeric");
    await client.query("alter table staff drop column email_address");
    await client.query("create table refund (refund_id serial primary key)");
    await client.query("create view staff_view as select * from staff");

    const drift = await driftNow();

    expect(drift.added).toEqual({ sales_order: [{ name: "discount_rate", type: "numeric" }] });
    expect(drift.broken).toEqual([
      { table: "staff", column: "email_address", expected: "character varying" },
      { table: "purchase_order", column: "item_quantity", expected: "integer", actual: "numeric" },
    ]);
    expect(drift.newTables).toEqual(["refund"]);
  });
});
