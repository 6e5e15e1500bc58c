import { STAR_COLUMNS } from "@etl/schemas";
import { describe, expect, it } from "vitest";
import { starParquetColumns, toParquetColumn } from "./star-columns";

describe("star table Parquet columns", () => {
  it.each([
    [
      { name: "a", type: "int", nullable: false },
      { name: "a", type: "int32", nullable: false },
    ],
    [
      { name: "b", type: "bigint", nullable: true },
      { name: "b", type: "int64", nullable: true },
    ],
    [
      { name: "c", type: "time", nullable: false },
      { name: "c", type: "utf8", nullable: false },
    ],
    [
      { name: "d", type: "timestamp", nullable: true },
      { name: "d", type: "utf8", nullable: true },
    ],
    [
      { name: "e", type: "date", nullable: false },
      { name: "e", type: "date", nullable: false },
    ],
    [
      { name: "f", type: "boolean", nullable: false },
      { name: "f", type: "bool", nullable: false },
    ],
    [
      { name: "g", type: "decimal", precision: 12, scale: 2, nullable: false },
      { name: "g", type: "decimal", precision: 12, scale: 2, nullable: false },
    ],
  ] as const)("maps %o to %o", (spec, expected) => {
    expect(toParquetColumn(spec)).toEqual(expected);
  });

  it("keeps the warehouse column order of the table, which Redshift COPY maps by position", () => {
    const columns = starParquetColumns("fact_payment");

    expect(columns.map((c) => c.name)).toEqual(STAR_COLUMNS.fact_payment.map((c) => c.name));
    expect(columns.find((c) => c.name === "payment_amount")).toEqual({
      name: "payment_amount",
      type: "decimal",
      precision: 14,
      scale: 2,
      nullable: false,
    });
  });
});
