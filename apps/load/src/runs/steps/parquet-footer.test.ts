import { writeParquet } from "@etl/s3-io/parquet";
import { DataError } from "@etl/schemas";
import { describe, expect, it } from "vitest";
import { starParquet, starRowsOf } from "../../../test/support/processed-run";
import { checkParquetFooter, expectedParquetColumns } from "./parquet-footer";

describe("checkParquetFooter", () => {
  it("accepts the files the transform writes", () => {
    const rows = starRowsOf();

    expect(() =>
      checkParquetFooter(
        "fact_sales_order",
        "k",
        starParquet("fact_sales_order", rows.fact_sales_order ?? []),
      ),
    ).not.toThrow();
    expect(() =>
      checkParquetFooter("dim_location", "k", starParquet("dim_location", rows.dim_location ?? [])),
    ).not.toThrow();
  });

  it("accepts a dimension written before source_updated_at existed, and says it lacks that column", () => {
    const rows = starRowsOf().dim_location ?? [];

    expect(checkParquetFooter("dim_location", "k", starParquet("dim_location", rows, true))).toEqual({
      missing: ["source_updated_at"],
    });
    expect(checkParquetFooter("dim_location", "k", starParquet("dim_location", rows))).toEqual({
      missing: [],
    });
  });

  it("refuses a dimension that lacks another column, or source_updated_at not at the end", () => {
    const columns = expectedParquetColumns("dim_currency");
    const withoutName = columns.filter((c) => c.name !== "currency_name" && c.name !== "source_updated_at");
    const row = { currency_id: 1, currency_code: "GBP", currency_name: "Pound Sterling" };

    expect(() => checkParquetFooter("dim_currency", "k", writeParquet(withoutName, [row]))).toThrow(
      DataError,
    );
    expect(() =>
      checkParquetFooter(
        "dim_currency",
        "k",
        writeParquet(
          columns.filter((c) => c.name !== "currency_name"),
          [row],
        ),
      ),
    ).toThrow(DataError);
  });

  it("names the file, the column, and the expected and found types", () => {
    const columns = expectedParquetColumns("dim_currency").map((c) =>
      c.name === "currency_id" ? { ...c, type: "int64" as const } : c,
    );
    const bytes = writeParquet(columns, [
      { currency_id: 1, currency_code: "GBP", currency_name: "Pound Sterling" },
    ]);

    const error = (() => {
      try {
        checkParquetFooter("dim_currency", "star/dim_currency/x.parquet", bytes);
      } catch (e) {
        return e;
      }
    })();

    expect(error).toBeInstanceOf(DataError);
    expect((error as Error).message).toBe(
      "dim_currency star/dim_currency/x.parquet: the Parquet footer does not fit the table: column 1 currency_id is INT64, expected int32",
    );
  });

  it("refuses a decimal of another precision and columns out of order", () => {
    const wrongPrecision = expectedParquetColumns("fact_sales_order").map((c) =>
      c.name === "unit_price" ? { ...c, precision: 12 } : c,
    );
    const [id, code, name, ...rest] = expectedParquetColumns("dim_currency");
    const swapped = [name, code, id, ...rest].flatMap((c) => (c ? [c] : []));
    const fact = starRowsOf().fact_sales_order ?? [];

    expect(() => checkParquetFooter("fact_sales_order", "f", writeParquet(wrongPrecision, fact))).toThrow(
      "column 9 unit_price is DECIMAL(12,2), expected DECIMAL(10,2)",
    );
    expect(() =>
      checkParquetFooter(
        "dim_currency",
        "c",
        writeParquet(swapped, [
          {
            currency_id: 1,
            currency_code: "GBP",
            currency_name: "Pound Sterling",
            source_updated_at: "2022-11-03 14:20:49.962000",
          },
        ]),
      ),
    ).toThrow("column 1 is currency_name, expected currency_id");
  });
});
