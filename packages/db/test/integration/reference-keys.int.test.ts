import { freshDatabase } from "@etl/local-cloud/testing";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { controlDdl } from "../../src/ddl/control";
import { warehouseDdl } from "../../src/ddl/warehouse";
import { LoadDataError } from "../../src/errors";
import { checkReferences } from "../../src/warehouse/load-table";
import { ReferenceKeys } from "../../src/warehouse/reference-keys";
import { tablePlan } from "../../src/warehouse/statements";

const clients: pg.Client[] = [];
afterAll(async () => {
  for (const c of clients) await c.end().catch(() => undefined);
});

async function warehouse(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: await freshDatabase("refkeys") });
  await client.connect();
  clients.push(client);
  for (const sql of [...warehouseDdl(), ...controlDdl()]) await client.query(sql);
  await client.query(
    "insert into warehouse.dim_date values ('2024-01-01', 2024, 1, 1, 1, 'Monday', 'January', 1)",
  );
  // The rows to check, in a table without the fact's constraints.
  await client.query("create table to_check as select * from warehouse.fact_sales_order with no data");
  await client.query(
    "insert into to_check (created_date, last_updated_date, design_id) values ('2024-01-01', '2024-01-02', 7)",
  );
  return client;
}

describe("the reference check with collected keys", () => {
  it("names missing keys from both the collected keys and the per-row probes", async () => {
    const client = await warehouse();
    const keys = new ReferenceKeys([
      { name: "created_date", type: "date" },
      { name: "last_updated_date", type: "date" },
    ]);
    // 19723 and 19724 are 2024-01-01 and 2024-01-02, as the rows hold them.
    keys.add("created_date", [19723], 0, 1);
    keys.add("last_updated_date", [19724], 0, 1);

    const failure = await checkReferences(client, tablePlan("fact_sales_order"), "to_check", keys).catch(
      (e) => e,
    );

    expect(failure).toBeInstanceOf(LoadDataError);
    expect(failure).toMatchObject({ code: "MISSING_REFERENCE" });
    expect((failure as Error).message).toBe(
      "fact_sales_order: keys missing from their dimensions: last_updated_date -> dim_date.date_id: 2024-01-02; " +
        "design_id -> dim_design.design_id: 7",
    );
  });

  it("passes rows whose collected keys are all in their dimensions", async () => {
    const client = await warehouse();
    await client.query("update to_check set last_updated_date = null, design_id = null");
    const keys = new ReferenceKeys([{ name: "created_date", type: "date" }]);
    keys.add("created_date", [19723], 0, 1);

    await expect(
      checkReferences(client, tablePlan("fact_sales_order"), "to_check", keys),
    ).resolves.toBeUndefined();
  });
});
