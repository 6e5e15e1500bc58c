import { DataError } from "@etl/schemas";
import { describe, expect, it } from "vitest";
import { type ParquetColumn, unscaledToDecimal } from "./columns";
import { ParquetTableBuilder } from "./parquet-table-builder";
import { readParquet } from "./read-parquet";
import { writeParquet, writeParquetColumns } from "./write-parquet";

const columns: ParquetColumn[] = [
  { name: "i32", type: "int32", nullable: true },
  { name: "i64", type: "int64", nullable: true },
  { name: "s", type: "utf8", nullable: true },
  { name: "d", type: "date", nullable: true },
  { name: "money", type: "decimal", precision: 10, scale: 2, nullable: true },
  { name: "wide", type: "decimal", precision: 38, scale: 6, nullable: true },
  { name: "b", type: "bool", nullable: true },
  { name: "ts", type: "timestamp_us", nullable: true },
  { name: "id", type: "int32", nullable: false },
  { name: "code", type: "utf8", nullable: false },
  { name: "flag", type: "bool", nullable: false },
];

/** Rows of every type, with NULLs here and there (deterministic). */
const row = (i: number) => ({
  i32: i % 5 === 0 ? null : (i * 7919) % 2 ** 31,
  i64: i % 6 === 0 ? null : `${i}000000000000`,
  s: i % 4 === 0 ? null : `text ${i} é 🎉`.repeat(i % 3),
  d: i % 7 === 0 ? null : `20${String(10 + (i % 20))}-0${1 + (i % 9)}-1${i % 10}`,
  money: i % 3 === 0 ? null : `${i % 2 === 0 ? "-" : ""}${i * 37}.${String(i % 100).padStart(2, "0")}`,
  wide: i % 8 === 0 ? null : `-${i}123456789012345678.000001`,
  b: i % 9 === 0 ? null : i % 2 === 0,
  ts: i % 10 === 0 ? null : `2024-01-01 10:11:${String(i % 60).padStart(2, "0")}.123456`,
  id: i,
  code: `c${i}`,
  flag: i % 3 === 0,
});

describe("ParquetTableBuilder", () => {
  it.each([0, 1, 7, 8, 9, 1000])(
    "writes the same bytes as writeParquet for %i rows appended one by one",
    (n) => {
      const rows = Array.from({ length: n }, (_, i) => row(i));
      const table = new ParquetTableBuilder(columns);

      for (const r of rows) table.appendRow(r);

      expect(Buffer.from(writeParquetColumns(table))).toEqual(Buffer.from(writeParquet(columns, rows)));
    },
  );

  it("keeps a staged row only once committed: a row staged over it replaces it", () => {
    const rows = Array.from({ length: 20 }, (_, i) => row(i));
    const table = new ParquetTableBuilder(columns);

    for (const [i, r] of rows.entries()) {
      if (i % 3 === 0) table.stageRow(row(i + 500));
      table.stageRow(r);
      table.commit();
    }
    table.stageRow(row(999));

    expect(table.length).toBe(20);
    expect(Buffer.from(writeParquetColumns(table))).toEqual(Buffer.from(writeParquet(columns, rows)));
  });

  it("writes the same bytes again after clear, in the same arrays", () => {
    const table = new ParquetTableBuilder(columns, 64);
    for (let i = 0; i < 64; i++) table.appendRow(row(i + 1000));
    writeParquetColumns(table);
    const rows = Array.from({ length: 50 }, (_, i) => row(i));

    table.clear();
    for (const r of rows) table.appendRow(r);

    expect(table.capacity).toBe(64);
    expect(Buffer.from(writeParquetColumns(table))).toEqual(Buffer.from(writeParquet(columns, rows)));
  });

  it("leaves no trace of a row written halfway and then written again", async () => {
    const table = new ParquetTableBuilder(columns, 4);
    const [i32, , s, , money, , b, , , code, flag] = table.builders;
    table.appendRow(row(1));

    // A fast writer gives up on row 1 after writing some columns...
    i32?.set(1, 99);
    s?.set(1, "half written");
    money?.setDecimal(1, -12345);
    b?.set(1, true);
    code?.set(1, "half");
    flag?.set(1, true);
    // ...and the row is written again whole, with NULLs where it had values.
    table.appendRow({ ...row(2), i32: null, s: null, money: null, b: null, flag: false });

    const expected = [row(1), { ...row(2), i32: null, s: null, money: null, b: null, flag: false }];
    expect(Buffer.from(writeParquetColumns(table))).toEqual(Buffer.from(writeParquet(columns, expected)));
    expect(await readParquet(writeParquetColumns(table))).toHaveLength(2);
  });

  it("grows past the rows reserved", () => {
    const rows = Array.from({ length: 3000 }, (_, i) => row(i));
    const table = new ParquetTableBuilder(columns, 2);

    for (const r of rows) table.appendRow(r);

    expect(table.length).toBe(3000);
    expect(Buffer.from(writeParquetColumns(table))).toEqual(Buffer.from(writeParquet(columns, rows)));
  });

  it.each([
    0,
    1,
    -1,
    99,
    -99,
    2 ** 32 - 1,
    2 ** 32,
    -(2 ** 32),
    -(2 ** 32) - 1,
    -(2 ** 32) + 1,
    2 ** 40 + 12345,
    -(2 ** 40) - 12345,
    Number.MAX_SAFE_INTEGER,
    -Number.MAX_SAFE_INTEGER,
  ])("writes the unscaled decimal %d as the exact string does", (unscaled) => {
    const column: ParquetColumn = { name: "x", type: "decimal", precision: 38, scale: 2, nullable: false };
    const direct = new ParquetTableBuilder([column], 1);
    const exact = unscaledToDecimal(BigInt(unscaled), 2);

    direct.builders[0]?.setDecimal(0, unscaled);
    direct.commit();

    expect(Array.from(direct.builders[0]?.words.subarray(0, 4) ?? [])).toEqual(
      Array.from(
        ParquetTableBuilder.fromRows([column], [{ x: exact }]).builders[0]?.words.subarray(0, 4) ?? [],
      ),
    );
  });

  it.each([
    [
      { name: "x", type: "int32", nullable: false },
      null,
      "column x row 2: NULL in a column that is not nullable",
    ],
    [
      { name: "x", type: "int32", nullable: false },
      2 ** 31,
      "column x row 2: 2147483648 is not a 32-bit integer",
    ],
    [
      { name: "x", type: "date", nullable: false },
      "2024-02-30",
      'row 2: "2024-02-30" is not a YYYY-MM-DD date',
    ],
    [{ name: "x", type: "decimal", precision: 4, scale: 2, nullable: false }, "100.00", "fits DECIMAL(4,2)"],
    [{ name: "x", type: "utf8", nullable: false }, 5, "column x row 2: 5 is not a string"],
  ] as const)("refuses a value that does not fit %o, naming column and row", (column, value, message) => {
    const table = new ParquetTableBuilder([column]);
    const fine = { int32: 1, date: "2024-01-01", decimal: "1.00", utf8: "ok" } as const;
    table.appendRow({ x: fine[column.type] });

    const append = () => table.appendRow({ x: value });

    expect(append).toThrow(DataError);
    expect(append).toThrow(message);
    expect(table.length).toBe(1);
  });

  it("refuses a commit past the rows reserved", () => {
    const table = new ParquetTableBuilder([{ name: "x", type: "int32", nullable: false }], 1);
    table.commit();

    expect(() => table.commit()).toThrow("commit past the reserved rows");
  });

  it.each([
    [[], "at least one column"],
    [
      [
        { name: "x", type: "int32", nullable: false },
        { name: "x", type: "utf8", nullable: false },
      ],
      "column x is listed twice",
    ],
  ] as const)("refuses columns that cannot make a file (%#)", (given, message) => {
    expect(() => new ParquetTableBuilder(given)).toThrow(message);
  });
});
