import { DataError } from "@etl/schemas";
import { parquetMetadata } from "hyparquet";
import { parquetHeader } from "hyparquet/src/column.js";
import { describe, expect, it } from "vitest";
import type { ParquetColumn } from "./columns";
import { checkParquetSchema, readParquet, readParquetSchema } from "./read-parquet";
import { writeParquet } from "./write-parquet";

const salesColumns: ParquetColumn[] = [
  { name: "sales_order_id", type: "int32", nullable: false },
  { name: "created_date", type: "date", nullable: false },
  { name: "created_time", type: "utf8", nullable: false },
  { name: "units_sold", type: "int32", nullable: false },
  { name: "unit_price", type: "decimal", precision: 10, scale: 2, nullable: false },
  { name: "agreed_delivery_date", type: "date", nullable: true },
  { name: "note", type: "utf8", nullable: true },
];

const salesRow = (i: number) => ({
  sales_order_id: i,
  created_date: `2024-0${(i % 9) + 1}-1${i % 10}`,
  created_time: `1${i % 10}:2${i % 10}:3${i % 10}.${String(i).padStart(6, "0")}`,
  units_sold: i * 7,
  unit_price: `${i % 2 === 0 ? "-" : ""}${i}.${String(i % 100).padStart(2, "0")}`,
  agreed_delivery_date: i % 3 === 0 ? null : "2026-11-23",
  note: i % 4 === 0 ? null : `note ${i} é 🎉`,
});

const allTypes: ParquetColumn[] = [
  { name: "i32", type: "int32", nullable: true },
  { name: "i64", type: "int64", nullable: true },
  { name: "s", type: "utf8", nullable: true },
  { name: "d", type: "date", nullable: true },
  { name: "money", type: "decimal", precision: 10, scale: 2, nullable: true },
  { name: "wide", type: "decimal", precision: 38, scale: 6, nullable: true },
  { name: "b", type: "bool", nullable: true },
  { name: "ts", type: "timestamp_us", nullable: true },
  { name: "tsz", type: "timestamp_us", nullable: true, utc: true },
];

describe("writeParquet / readParquet", () => {
  it("reads back rows equal to what was written", async () => {
    const rows = Array.from({ length: 1000 }, (_, i) => salesRow(i + 1));

    const read = await readParquet(writeParquet(salesColumns, rows));

    expect(read).toEqual(rows);
  });

  it("round-trips every column type, its extremes and NULLs", async () => {
    const rows = [
      {
        i32: -2147483648,
        i64: "-9223372036854775808",
        s: "",
        d: "0001-01-01",
        money: "-99999999.99",
        wide: "-99999999999999999999999999999999.999999",
        b: false,
        ts: "1900-01-01 00:00:00",
        tsz: "2024-06-30T23:59:59.999999Z",
      },
      {
        i32: 2147483647,
        i64: 9007199254740991,
        s: "日本語 \u0000 \n tab\t",
        d: "9999-12-31",
        money: "99999999.99",
        wide: "0.000001",
        b: true,
        ts: "2024-01-01 10:11:12.123456",
        tsz: "1970-01-01T00:00:00Z",
      },
      { i32: null, i64: null, s: null, d: null, money: null, wide: null, b: null, ts: null, tsz: null },
    ];

    const read = await readParquet(writeParquet(allTypes, rows));

    expect(read).toEqual([
      {
        ...rows[0],
        i64: -9223372036854775808n,
        ts: "1900-01-01T00:00:00.000000",
        tsz: "2024-06-30T23:59:59.999999Z",
      },
      { ...rows[1], ts: "2024-01-01T10:11:12.123456", tsz: "1970-01-01T00:00:00.000000Z" },
      rows[2],
    ]);
  });

  it("writes and reads a file of no rows", async () => {
    const bytes = writeParquet(salesColumns, []);

    const read = await readParquet(bytes);

    expect(read).toEqual([]);
    expect(readParquetSchema(bytes).columns.map((c) => c.name)).toEqual(salesColumns.map((c) => c.name));
  });

  it("writes the types Redshift COPY needs into the footer", () => {
    const bytes = writeParquet(allTypes, []);

    const schema = readParquetSchema(bytes);

    expect(schema.columns).toEqual([
      { name: "i32", physicalType: "INT32", logicalType: undefined, nullable: true, type: "int32" },
      { name: "i64", physicalType: "INT64", logicalType: undefined, nullable: true, type: "int64" },
      { name: "s", physicalType: "BYTE_ARRAY", logicalType: "STRING", nullable: true, type: "utf8" },
      { name: "d", physicalType: "INT32", logicalType: "DATE", nullable: true, type: "date" },
      {
        name: "money",
        physicalType: "INT64",
        logicalType: "DECIMAL",
        precision: 10,
        scale: 2,
        nullable: true,
        type: "decimal",
      },
      {
        name: "wide",
        physicalType: "FIXED_LEN_BYTE_ARRAY",
        logicalType: "DECIMAL",
        precision: 38,
        scale: 6,
        nullable: true,
        type: "decimal",
      },
      { name: "b", physicalType: "BOOLEAN", logicalType: undefined, nullable: true, type: "bool" },
      {
        name: "ts",
        physicalType: "INT64",
        logicalType: "TIMESTAMP",
        unit: "MICROS",
        isAdjustedToUTC: false,
        nullable: true,
        type: "timestamp_us",
      },
      {
        name: "tsz",
        physicalType: "INT64",
        logicalType: "TIMESTAMP",
        unit: "MICROS",
        isAdjustedToUTC: true,
        nullable: true,
        type: "timestamp_us",
      },
    ]);
  });

  it("marks NOT NULL columns as required", () => {
    const schema = readParquetSchema(writeParquet(salesColumns, [salesRow(1)]));

    expect(schema.rows).toBe(1);
    expect(schema.columns.map((c) => c.nullable)).toEqual(salesColumns.map((c) => c.nullable));
  });

  it.each([
    [
      { name: "x", type: "int32", nullable: false },
      null,
      "column x row 1: NULL in a column that is not nullable",
    ],
    [{ name: "x", type: "int32", nullable: false }, 2 ** 31, "is not a 32-bit integer"],
    [{ name: "x", type: "int32", nullable: false }, 1.5, "is not a 32-bit integer"],
    [{ name: "x", type: "int64", nullable: false }, 2 ** 60, "is not a 64-bit integer"],
    [{ name: "x", type: "date", nullable: false }, "2024-02-30", "is not a YYYY-MM-DD date"],
    [{ name: "x", type: "decimal", precision: 10, scale: 2, nullable: false }, "1.005", "fits DECIMAL(10,2)"],
    [{ name: "x", type: "decimal", precision: 10, scale: 2, nullable: false }, 1.5, "exact decimal string"],
    [{ name: "x", type: "utf8", nullable: false }, 5, "is not a string"],
    [{ name: "x", type: "bool", nullable: false }, "true", "is not a boolean"],
    [{ name: "x", type: "timestamp_us", nullable: false }, "2024-01-01", "is not a timestamp"],
  ] as const)("refuses a value that does not fit %o: %o", (column, value, message) => {
    const write = () => writeParquet([column], [{ x: value }]);

    expect(write).toThrow(DataError);
    expect(write).toThrow(message);
  });

  it("refuses a decimal column without a valid precision", () => {
    const write = () => writeParquet([{ name: "x", type: "decimal", scale: 2, nullable: false }], []);

    expect(write).toThrow("decimal needs 1 <= precision <= 38");
  });

  it("refuses bytes that are not Parquet", async () => {
    const bytes = new TextEncoder().encode("not parquet at all");

    await expect(readParquet(bytes)).rejects.toThrow("not a readable Parquet file");
    expect(() => readParquetSchema(bytes)).toThrow(DataError);
  });

  it("reads a file that shares its buffer with other data", async () => {
    const bytes = writeParquet(salesColumns, [salesRow(5)]);
    const shared = new Uint8Array(bytes.length + 10);
    shared.set(bytes, 5);

    const read = await readParquet(shared.subarray(5, 5 + bytes.length));

    expect(read).toEqual([salesRow(5)]);
  });
});

/** The type of every page in the file, read from the page headers themselves. */
function pageTypes(bytes: Uint8Array): string[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const types: string[] = [];
  for (const group of parquetMetadata(bytes).row_groups) {
    for (const chunk of group.columns) {
      const meta = chunk.meta_data;
      if (!meta) continue;
      const start = Number(meta.dictionary_page_offset ?? meta.data_page_offset);
      const end = start + Number(meta.total_compressed_size);
      const reader = { view, offset: start };
      while (reader.offset < end) {
        const header = parquetHeader(reader);
        types.push(header.type);
        reader.offset += header.compressed_page_size;
      }
    }
  }
  return types;
}

describe("writeParquet file layout", () => {
  it("writes version-1 data pages only, Snappy-compressed", () => {
    const bytes = writeParquet(
      salesColumns,
      Array.from({ length: 50_000 }, (_, i) => salesRow(i)),
    );

    const types = pageTypes(bytes);
    const codecs = parquetMetadata(bytes).row_groups.flatMap((g) => g.columns.map((c) => c.meta_data?.codec));

    expect(types.filter((t) => t === "DATA_PAGE").length).toBeGreaterThan(salesColumns.length);
    expect(types.filter((t) => t !== "DATA_PAGE" && t !== "DICTIONARY_PAGE")).toEqual([]);
    expect(new Set(codecs)).toEqual(new Set(["SNAPPY"]));
  });
});

describe("checkParquetSchema", () => {
  it("finds no problem in a file written for the same columns", () => {
    const schema = readParquetSchema(writeParquet(salesColumns, []));

    expect(checkParquetSchema(schema, salesColumns)).toEqual([]);
  });

  it("names every difference", () => {
    const schema = readParquetSchema(
      writeParquet(
        [
          { name: "sales_order_id", type: "int64", nullable: false },
          { name: "created_date", type: "utf8", nullable: true },
          { name: "unit_price", type: "decimal", precision: 12, scale: 2, nullable: false },
        ],
        [],
      ),
    );

    const problems = checkParquetSchema(schema, [
      { name: "sales_order_id", type: "int32", nullable: false },
      { name: "created_date", type: "date", nullable: false },
      { name: "unit_price", type: "decimal", precision: 10, scale: 2, nullable: false },
      { name: "currency_id", type: "int32", nullable: false },
    ]);

    expect(problems).toEqual([
      "file has 3 columns, expected 4",
      "column 1 sales_order_id is INT64, expected int32",
      "column 2 created_date is BYTE_ARRAY STRING, expected date",
      "column 2 created_date is nullable, expected NOT NULL",
      "column 3 unit_price is DECIMAL(12,2), expected DECIMAL(10,2)",
    ]);
  });
});
