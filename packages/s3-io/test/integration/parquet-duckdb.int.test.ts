import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, describe, expect, it } from "vitest";
import { type ParquetColumn, writeParquet } from "../../src/parquet";

const dir = mkdtempSync(join(tmpdir(), "s3-io-parquet-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const columns: ParquetColumn[] = [
  { name: "sales_order_id", type: "int32", nullable: false },
  { name: "big_id", type: "int64", nullable: false },
  { name: "created_date", type: "date", nullable: false },
  { name: "created_time", type: "utf8", nullable: false },
  { name: "unit_price", type: "decimal", precision: 10, scale: 2, nullable: false },
  { name: "item_unit_price", type: "decimal", precision: 12, scale: 2, nullable: true },
  { name: "agreed_delivery_date", type: "date", nullable: true },
  { name: "paid", type: "bool", nullable: true },
  { name: "last_updated", type: "timestamp_us", nullable: false },
];

const rows = [
  {
    sales_order_id: 1,
    big_id: "9007199254740993",
    created_date: "2024-11-05",
    created_time: "10:11:12.123456",
    unit_price: "-12.50",
    item_unit_price: "1234567890.01",
    agreed_delivery_date: "2026-07-21",
    paid: true,
    last_updated: "2024-11-05 10:11:12.123456",
  },
  {
    sales_order_id: 2147483647,
    big_id: -1,
    created_date: "1999-12-31",
    created_time: "00:00:00.000000",
    unit_price: "99999999.99",
    item_unit_price: null,
    agreed_delivery_date: null,
    paid: null,
    last_updated: "1999-12-31 23:59:59.999999",
  },
];

async function query(sql: string) {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    return (await connection.runAndReadAll(sql)).getRowObjectsJson();
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

describe("Parquet written by writeParquet, read by DuckDB", () => {
  const file = join(dir, "fact_sales_order.parquet");
  writeFileSync(file, writeParquet(columns, rows));

  it("has DATE, DECIMAL(p,s), INTEGER, BIGINT, BOOLEAN and microsecond TIMESTAMP columns", async () => {
    const described = await query(`DESCRIBE SELECT * FROM read_parquet('${file}')`);

    expect(described.map((c) => [c.column_name, c.column_type])).toEqual([
      ["sales_order_id", "INTEGER"],
      ["big_id", "BIGINT"],
      ["created_date", "DATE"],
      ["created_time", "VARCHAR"],
      ["unit_price", "DECIMAL(10,2)"],
      ["item_unit_price", "DECIMAL(12,2)"],
      ["agreed_delivery_date", "DATE"],
      ["paid", "BOOLEAN"],
      ["last_updated", "TIMESTAMP"],
    ]);
  });

  it("holds exactly the values written, NULLs included", async () => {
    const read = await query(
      `SELECT sales_order_id, big_id::VARCHAR AS big_id, created_date::VARCHAR AS created_date, created_time,
              unit_price::VARCHAR AS unit_price, item_unit_price::VARCHAR AS item_unit_price,
              agreed_delivery_date::VARCHAR AS agreed_delivery_date, paid,
              strftime(last_updated, '%Y-%m-%d %H:%M:%S.%f') AS last_updated
       FROM read_parquet('${file}') ORDER BY sales_order_id`,
    );

    expect(read).toEqual([
      { ...rows[0], big_id: "9007199254740993" },
      { ...rows[1], big_id: "-1" },
    ]);
  });

  it("is Snappy-compressed in every column chunk", async () => {
    const chunks = await query(`SELECT path_in_schema, compression FROM parquet_metadata('${file}')`);

    expect(chunks).toHaveLength(columns.length);
    expect(new Set(chunks.map((c) => c.compression))).toEqual(new Set(["SNAPPY"]));
  });
});
