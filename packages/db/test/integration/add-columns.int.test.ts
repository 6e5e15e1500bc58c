import { freshDatabase } from "@etl/local-cloud/testing";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addMissingPostgresColumns, migratePostgresWarehouse } from "../../src/warehouse/migrate";

let client: pg.Client;

beforeAll(async () => {
  client = new pg.Client({ connectionString: await freshDatabase("addcolumns") });
  await client.connect();
  await migratePostgresWarehouse(client);
});

afterAll(async () => {
  await client.end();
});

/** The worked example of docs/schema-change.md. */
const DISCOUNT_RATE = {
  schema: "warehouse",
  table: "fact_sales_order",
  column: "discount_rate",
  type: "numeric(4,2)",
};

describe("addMissingPostgresColumns", () => {
  it("adds a nullable column to a warehouse in use, and a second run changes nothing", async () => {
    await client.query(`insert into warehouse.dim_date (date_id, year, month, day, day_of_week, day_name, month_name, quarter)
      values ('2024-01-01', 2024, 1, 1, 1, 'Monday', 'January', 1)`);

    await addMissingPostgresColumns(client, [DISCOUNT_RATE]);
    await addMissingPostgresColumns(client, [DISCOUNT_RATE]);

    const { rows } = await client.query(
      `select data_type, numeric_precision, numeric_scale, is_nullable from information_schema.columns
        where table_schema = 'warehouse' and table_name = 'fact_sales_order' and column_name = 'discount_rate'`,
    );
    expect(rows).toEqual([
      { data_type: "numeric", numeric_precision: 4, numeric_scale: 2, is_nullable: "YES" },
    ]);
    const kept = await client.query("select count(*)::int as n from warehouse.dim_date");
    expect(kept.rows[0]?.n).toBe(1);
  });
});

describe("migratePostgresWarehouse on a warehouse from before hard deletes", () => {
  it("adds is_deleted (every existing row false) and deleted_at, and a second run changes nothing", async () => {
    await client.query(
      'alter table warehouse.dim_currency drop column "is_deleted", drop column "deleted_at"',
    );
    await client.query(
      "insert into warehouse.dim_currency (currency_id, currency_code, currency_name) values (1, 'GBP', 'Pound Sterling')",
    );

    await migratePostgresWarehouse(client);
    await migratePostgresWarehouse(client);

    const { rows } = await client.query(
      "select currency_id, is_deleted, deleted_at from warehouse.dim_currency",
    );
    expect(rows).toEqual([{ currency_id: 1, is_deleted: false, deleted_at: null }]);
  });
});
