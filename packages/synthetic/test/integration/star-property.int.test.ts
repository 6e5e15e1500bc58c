import { pipeline } from "node:stream/promises";
import { qualified, quoteIdent } from "@etl/db";
import { warehouseDdl } from "@etl/db/ddl";
import { freshDatabase } from "@etl/local-cloud/testing";
import {
  datesOf,
  SOURCE_SCHEMAS,
  type SourceRow,
  type SourceTable,
  STAR_COLUMNS,
  STAR_SCHEMAS,
  STAR_TABLE_NAMES,
  type StarTable,
  toDimCounterparty,
  toDimCurrency,
  toDimDate,
  toDimDesign,
  toDimLocation,
  toDimPaymentType,
  toDimStaff,
  toDimTransaction,
  toFactPayment,
  toFactPurchaseOrder,
  toFactSalesOrder,
} from "@etl/schemas";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copyChunks } from "../../src/copy-text";
import { createPlan } from "../../src/plan";
import { createGenerator, type Value } from "../../src/tables";
import { objectsOf, tableOf } from "../unit/rows";

let client: pg.Client;

beforeAll(async () => {
  client = new pg.Client({ connectionString: await freshDatabase("star") });
  await client.connect();
});

afterAll(async () => {
  await client.end();
});

/** Generated rows of a source table, parsed as an export would be. */
function source<T extends SourceTable>(seed: number, scale: number, table: T): SourceRow<T>[] {
  const generated = tableOf(createGenerator(createPlan(seed, scale)).tables, table);
  return objectsOf(generated).map((row) => SOURCE_SCHEMAS[table].parse(row) as SourceRow<T>);
}

function star(seed: number, scale: number): Record<StarTable, object[]> {
  const sales = toFactSalesOrder(source(seed, scale, "sales_order"));
  const purchases = toFactPurchaseOrder(source(seed, scale, "purchase_order"));
  const payments = toFactPayment(source(seed, scale, "payment"));
  return {
    dim_date: toDimDate([
      ...datesOf("fact_sales_order", sales),
      ...datesOf("fact_purchase_order", purchases),
      ...datesOf("fact_payment", payments),
    ]),
    dim_location: toDimLocation(source(seed, scale, "address")),
    dim_currency: toDimCurrency(source(seed, scale, "currency")),
    dim_design: toDimDesign(source(seed, scale, "design")),
    dim_staff: toDimStaff(source(seed, scale, "staff"), source(seed, scale, "department")),
    dim_counterparty: toDimCounterparty(source(seed, scale, "counterparty"), source(seed, scale, "address")),
    dim_payment_type: toDimPaymentType(source(seed, scale, "payment_type")),
    dim_transaction: toDimTransaction(source(seed, scale, "transaction")),
    fact_sales_order: sales,
    fact_purchase_order: purchases,
    fact_payment: payments,
  };
}

async function insert(schema: string, table: StarTable, rows: object[]): Promise<void> {
  const columns = STAR_COLUMNS[table].map((c) => c.name);
  const values = rows.map((row) => columns.map((c) => (row as Record<string, Value>)[c] ?? null));
  await pipeline(
    copyChunks(values),
    client.query(
      copyFrom(`copy ${qualified(schema, table)} (${columns.map(quoteIdent).join(", ")}) from stdin`),
    ),
  );
}

describe("formatters on generated totesys data", () => {
  it.each([
    [1, 300],
    [2, 500],
    [77, 1000],
  ])(
    "seed %i, scale %i: every row validates against the warehouse schemas and loads into the warehouse DDL",
    async (seed, scale) => {
      const rows = star(seed, scale);
      const schema = `wh_${seed}`;
      for (const sql of warehouseDdl(schema)) await client.query(sql);

      for (const table of STAR_TABLE_NAMES) {
        for (const row of rows[table]) STAR_SCHEMAS[table].parse(row);
      }
      for (const table of STAR_TABLE_NAMES) await insert(schema, table, rows[table]);

      const loaded: Record<string, number> = {};
      for (const table of STAR_TABLE_NAMES) {
        const { rows: counted } = await client.query<{ n: number }>(
          `select count(*)::int as n from ${qualified(schema, table)}`,
        );
        loaded[table] = counted[0]?.n ?? 0;
      }
      const roundTrip = await client.query<{ unit_price: string; created_time: string }>(
        `select unit_price::text, to_char(created_time, 'HH24:MI:SS.US') as created_time from ${qualified(schema, "fact_sales_order")} order by sales_record_id limit 1`,
      );
      expect(loaded).toEqual(Object.fromEntries(STAR_TABLE_NAMES.map((t) => [t, rows[t].length])));
      expect(loaded.fact_sales_order).toBe(scale);
      expect(loaded.dim_staff).toBe(20);
      expect(roundTrip.rows[0]).toEqual({
        unit_price: (rows.fact_sales_order[0] as { unit_price: string }).unit_price,
        created_time: (rows.fact_sales_order[0] as { created_time: string }).created_time,
      });
    },
  );
});
