import { redshiftDeletionStatements } from "@etl/db/redshift";
import { freshDatabase } from "@etl/local-cloud/testing";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDashboard, createPostgresReader, type WarehouseReader } from "../src/index";
import { fillWarehouse } from "./fixture-warehouse";

/**
 * A deleted order's deletion version is its newest row; the current state leaves the order out.
 * The deletion is the load's own statement (the Redshift batch's, which PostgreSQL runs as is).
 */

let url: string;
let reader: WarehouseReader;

beforeAll(async () => {
  url = await freshDatabase("dashdel");
  await fillWarehouse(url);
  reader = createPostgresReader({ url });
});
afterAll(async () => {
  await reader.close();
});

const figure = (model: { figures: { id: string; value: number }[] }, id: string) =>
  model.figures.find((f) => f.id === id)?.value;

describe("the sales page after a deletion", () => {
  it("leaves the deleted order out of every figure", async () => {
    const before = (await createDashboard({ reader }).page("sales", {})).model;
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const [order] = (
      await client.query(
        `select sales_order_id, units_sold from warehouse.fact_sales_order
          order by sales_order_id, last_updated_date desc, last_updated_time desc limit 1`,
      )
    ).rows as { sales_order_id: number; units_sold: number }[];
    const deletions = [
      {
        table: "fact_sales_order" as const,
        keys: [order?.sales_order_id ?? 0],
        deletedAt: "2026-12-30 10:00:00",
      },
    ];
    for (const sql of redshiftDeletionStatements("warehouse", deletions)) await client.query(sql);
    await client.end();

    const after = (await createDashboard({ reader }).page("sales", {})).model;

    expect(figure(before, "facts")).toBe(240);
    expect(figure(after, "facts")).toBe(239);
    expect(figure(after, "quantity")).toBe((figure(before, "quantity") ?? 0) - (order?.units_sold ?? 0));
  });
});
