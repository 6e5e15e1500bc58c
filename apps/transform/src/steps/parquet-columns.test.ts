import { STAR_TABLE_NAMES } from "@etl/schemas";
import { describe, expect, it } from "vitest";
import { parquetColumns, toParquetColumn } from "./parquet-columns";

describe("toParquetColumn", () => {
  it.each([
    [
      { name: "a", type: "int", nullable: false },
      { name: "a", type: "int32", nullable: false },
    ],
    [
      { name: "a", type: "bigint", nullable: true },
      { name: "a", type: "int64", nullable: true },
    ],
    [
      { name: "a", type: "text", nullable: true },
      { name: "a", type: "utf8", nullable: true },
    ],
    [
      { name: "a", type: "time", nullable: false },
      { name: "a", type: "utf8", nullable: false },
    ],
    [
      { name: "a", type: "date", nullable: false },
      { name: "a", type: "date", nullable: false },
    ],
    [
      { name: "a", type: "boolean", nullable: false },
      { name: "a", type: "bool", nullable: false },
    ],
    [
      { name: "a", type: "decimal", precision: 10, scale: 2, nullable: false },
      { name: "a", type: "decimal", precision: 10, scale: 2, nullable: false },
    ],
  ] as const)("maps %o to %o", (spec, expected) => {
    const column = toParquetColumn(spec);

    expect(column).toEqual(expected);
  });
});

describe("parquetColumns", () => {
  it("types fact_sales_order for Redshift: DATE, DECIMAL(10,2), INT32, times as text", () => {
    const columns = parquetColumns("fact_sales_order");

    expect(columns.map((c) => [c.name, c.type])).toEqual([
      ["sales_order_id", "int32"],
      ["created_date", "date"],
      ["created_time", "utf8"],
      ["last_updated_date", "date"],
      ["last_updated_time", "utf8"],
      ["sales_staff_id", "int32"],
      ["counterparty_id", "int32"],
      ["units_sold", "int32"],
      ["unit_price", "decimal"],
      ["currency_id", "int32"],
      ["design_id", "int32"],
      ["agreed_payment_date", "date"],
      ["agreed_delivery_date", "date"],
      ["agreed_delivery_location_id", "int32"],
    ]);
    expect(columns.find((c) => c.name === "unit_price")).toMatchObject({ precision: 10, scale: 2 });
  });

  it.each(STAR_TABLE_NAMES)("gives %s a column for every warehouse column", (table) => {
    const columns = parquetColumns(table);

    expect(columns.length).toBeGreaterThan(1);
    expect(new Set(columns.map((c) => c.name)).size).toBe(columns.length);
  });
});
