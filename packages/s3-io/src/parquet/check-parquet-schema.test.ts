import { describe, expect, it } from "vitest";
import type { ParquetColumn } from "./columns";
import { checkParquetSchema, type ParquetColumnSchema } from "./read-parquet";

const column = (
  over: Partial<ParquetColumnSchema> & Pick<ParquetColumnSchema, "name">,
): ParquetColumnSchema => ({
  physicalType: "INT32",
  logicalType: undefined,
  nullable: false,
  type: "int32",
  ...over,
});

describe("checkParquetSchema", () => {
  it("finds nothing wrong with a file whose columns are the expected ones", () => {
    const expected: ParquetColumn[] = [
      { name: "id", type: "int32", nullable: false },
      { name: "amount", type: "decimal", precision: 12, scale: 2, nullable: true },
      { name: "at", type: "timestamp_us", nullable: true, utc: true },
    ];
    const actual = {
      rows: 1,
      columns: [
        column({ name: "id" }),
        column({
          name: "amount",
          physicalType: "INT64",
          logicalType: "DECIMAL",
          precision: 12,
          scale: 2,
          type: "decimal",
        }),
        column({
          name: "at",
          physicalType: "INT64",
          logicalType: "TIMESTAMP",
          isAdjustedToUTC: true,
          type: "timestamp_us",
        }),
      ],
    };

    expect(checkParquetSchema(actual, expected)).toEqual([]);
  });

  it("names every difference: count, name, type, decimal shape, UTC flag and nullability", () => {
    const expected: ParquetColumn[] = [
      { name: "id", type: "int32", nullable: false },
      { name: "code", type: "utf8", nullable: false },
      { name: "amount", type: "decimal", precision: 12, nullable: false },
      { name: "at", type: "timestamp_us", nullable: true },
      { name: "extra", type: "int32", nullable: false },
    ];
    const actual = {
      rows: 0,
      columns: [
        column({ name: "key", nullable: true }),
        column({ name: "code", physicalType: "INT64", type: "int64" }),
        column({ name: "amount", logicalType: "DECIMAL", precision: 10, scale: 2, type: "decimal" }),
        column({
          name: "at",
          logicalType: "TIMESTAMP",
          isAdjustedToUTC: true,
          type: "timestamp_us",
          nullable: true,
        }),
      ],
    };

    const problems = checkParquetSchema(actual, expected);

    expect(problems).toEqual([
      "file has 4 columns, expected 5",
      "column 1 is key, expected id",
      "column 1 key is nullable, expected NOT NULL",
      "column 2 code is INT64, expected utf8",
      "column 3 amount is DECIMAL(10,2), expected DECIMAL(12,0)",
      "column 4 at has isAdjustedToUTC=true, expected false",
    ]);
  });

  it("shows a column's logical type beside its physical one when it has one", () => {
    const actual = { rows: 0, columns: [column({ name: "d", logicalType: "DATE", type: "date" })] };

    expect(checkParquetSchema(actual, [{ name: "d", type: "utf8", nullable: false }])).toEqual([
      "column 1 d is INT32 DATE, expected utf8",
    ]);
  });
});
