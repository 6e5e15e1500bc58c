import { sourceColumns } from "@etl/schemas";
import { describe, expect, it } from "vitest";
import { fastPlan } from "./fast-plan";
import { parquetColumns } from "./parquet-columns";
import { STREAMED_TABLES, type StreamedTable } from "./streamed-tables";

describe("fastPlan", () => {
  it.each(Object.keys(STREAMED_TABLES) as StreamedTable[])(
    "%s reads exactly the source columns, in schema order, and fills every star column",
    (table) => {
      const plan = fastPlan(table, STREAMED_TABLES[table].star);

      expect(Object.keys(plan.source)).toEqual(sourceColumns(table));
      expect(Object.keys(plan.star)).toEqual(parquetColumns(STREAMED_TABLES[table].star).map((c) => c.name));
    },
  );

  it("reads each kind from the source schema", () => {
    const plan = fastPlan("transaction", "dim_transaction");

    expect(plan.source).toEqual({
      transaction_id: { kind: "id" },
      transaction_type: { kind: "enum", values: ["SALE", "PURCHASE"] },
      sales_order_id: { kind: "id", nullable: true },
      purchase_order_id: { kind: "id", nullable: true },
      created_at: { kind: "timestamp" },
      last_updated: { kind: "timestamp" },
    });
    expect(fastPlan("payment", "fact_payment").source).toMatchObject({
      payment_amount: { kind: "numeric" },
      paid: { kind: "bool" },
      payment_date: { kind: "date" },
      company_ac_number: { kind: "int" },
    });
    expect(fastPlan("sales_order", "fact_sales_order").star).toMatchObject({
      sales_staff_id: { from: "staff_id" },
      created_time: { from: "created_at", part: "time" },
      units_sold: { from: "units_sold" },
    });
  });

  it("refuses a column whose checks it cannot repeat exactly (a string with a pattern)", () => {
    expect(() => fastPlan("currency", "dim_transaction")).toThrow(/currency\.currency_code/);
  });
});
