import { ParquetTableBuilder, writeParquetColumns } from "@etl/s3-io/parquet";
import { DataError } from "@etl/schemas";
import { makePayment, makePurchaseOrder, makeSalesOrder, makeTransaction } from "@etl/schemas/testing";
import { describe, expect, it } from "vitest";
import { fastPlan } from "./fast-plan";
import { FastRowScanner } from "./fast-row-scanner";
import { parquetColumns } from "./parquet-columns";
import { parseSourceLine } from "./read-source-rows";
import { STREAMED_TABLES, type StreamedTable } from "./streamed-tables";

/** The fast plan of a streamed table. */
const planOf = (table: StreamedTable) => fastPlan(table, STREAMED_TABLES[table].star);

const WHERE = { bucket: "ingest", key: "raw/x.jsonl.gz", table: "x" };

/** The Parquet file of one line read by the fast path, or undefined when it gives the line up. */
function fast(table: StreamedTable, line: string): Buffer | undefined {
  const columns = parquetColumns(STREAMED_TABLES[table].star);
  const part = new ParquetTableBuilder(columns, 1);
  const bytes = Buffer.from(line, "utf8");
  const end = new FastRowScanner(table, planOf(table), columns).scan(bytes, 0, part);
  if (end < 0) return undefined;
  expect(end).toBe(bytes.length);
  part.commit();
  return Buffer.from(writeParquetColumns(part));
}

/** The Parquet file of one line read the reference way (JSON.parse, zod, the formatter), or undefined when it is bad. */
function reference(table: StreamedTable, line: string): Buffer | undefined {
  const columns = parquetColumns(STREAMED_TABLES[table].star);
  const part = new ParquetTableBuilder(columns, 1);
  try {
    const row = parseSourceLine(table, line, WHERE, 1);
    const format = STREAMED_TABLES[table].format as (rows: readonly object[]) => object[];
    for (const star of format([row])) part.appendRow(star);
  } catch (error) {
    if (error instanceof DataError) return undefined;
    throw error;
  }
  return Buffer.from(writeParquetColumns(part));
}

/** The fast path takes only lines the reference accepts, and writes the same values. */
function expectAgreement(table: StreamedTable, line: string): { taken: boolean; valid: boolean } {
  const ours = fast(table, line);
  const theirs = reference(table, line);
  if (ours !== undefined) {
    expect(theirs, `the fast path took a line the reference refuses: ${line}`).toBeDefined();
    expect(ours.equals(theirs ?? Buffer.alloc(0)), `different values for ${line}`).toBe(true);
  }
  return { taken: ours !== undefined, valid: theirs !== undefined };
}

const json = (value: unknown) => JSON.stringify(value);

describe("FastRowScanner: plain rows as ingest writes them", () => {
  it.each([
    ["sales_order", makeSalesOrder()],
    [
      "sales_order",
      makeSalesOrder({ sales_order_id: 2_147_483_647, units_sold: -2_147_483_648, unit_price: "-0.5" }),
    ],
    ["purchase_order", makePurchaseOrder()],
    ["purchase_order", makePurchaseOrder({ item_code: "", item_unit_price: "9999999999.99" })],
    ["payment", makePayment()],
    ["payment", makePayment({ paid: true, payment_amount: "-0.00", company_ac_number: -1 })],
    ["transaction", makeTransaction()],
    [
      "transaction",
      makeTransaction({ transaction_type: "PURCHASE", sales_order_id: null, purchase_order_id: 4 }),
    ],
  ] as const)("%s %j is taken by the fast path, with the reference's values", (table, row) => {
    const outcome = expectAgreement(table, json(row));

    expect(outcome).toEqual({ taken: true, valid: true });
  });

  it("takes the columns in any order", () => {
    const row = makeSalesOrder({ unit_price: "3.10" });
    const reversed = Object.fromEntries(Object.entries(row).reverse());

    expect(expectAgreement("sales_order", json(reversed))).toEqual({ taken: true, valid: true });
  });
});

/** Values of one column, as JSON text, that the source schema accepts or refuses. */
const VALUES: Record<string, readonly string[]> = {
  timestamp: [
    ...[
      "2022-11-03 14:20:49.962",
      "2022-11-03T14:20:49.962",
      "2022-11-03 14:20:49",
      "2022-11-03T14:20:49",
      "2022-11-03 14:20:49.962123",
      "2022-11-03 14:20:49.96",
      "2024-02-29 23:59:59.999999",
      "0000-02-29 00:00:00",
      "9999-12-31 23:59:59.999999",
      "2000-02-29 00:00:00.1",
      "2022-11-03",
      "2022-11-03 14:20",
      "2022-11-03 14:20:49.1234567",
      "2022-11-03 14:20:49Z",
      "2022-11-03 14:20:49+00",
      "2023-02-29 10:00:00",
      "1900-02-29 10:00:00",
      "2022-13-01 10:00:00",
      "2022-00-01 10:00:00",
      "2022-11-00 10:00:00",
      "2022-11-31 10:00:00",
      "2022-11-03 24:00:00",
      "2022-11-03 14:60:00",
      "2022-11-03 14:20:60",
      "03/11/2022 14:20",
      "2022-11-03 14:20:49.",
      "2022-11-03t14:20:49",
      " 2022-11-03 14:20:49",
      "2022-11-03  14:20:49",
      "２０２２-11-03 14:20:49",
      "",
    ].map(json),
    "1667485249",
    "null",
    "true",
  ],
  date: [
    ...[
      "2022-11-07",
      "2024-02-29",
      "0000-02-29",
      "9999-12-31",
      "2023-02-29",
      "2022-11-7",
      "2022-11-07 00:00:00",
      "2022-13-01",
      "2022-00-10",
      "2022-01-00",
      "2022-01-32",
      "",
    ].map(json),
    "20221107",
    "null",
  ],
  numeric: [
    ...[
      "3.50",
      "3.5",
      "1000000.00",
      "-12.25",
      "abc",
      "1e3",
      "",
      "3.",
      ".5",
      " 3.5",
      "3.5 ",
      "\t3.5",
      "+3.5",
      "-0.00",
      "-0",
      "00012.30",
      "000",
      "1.005",
      "1.000",
      "0.001",
      "99999999.99",
      "-99999999.99",
      "100000000.00",
      "999999999999.99",
      "1.2.3",
      "--1",
      "1-",
      "١٢",
    ].map(json),
    "3.5",
    "3",
    "1e21",
    "-0",
    "true",
    "null",
  ],
  id: [
    "1",
    "0",
    "-1",
    "1.5",
    "1.0",
    '"1"',
    "2147483647",
    "2147483648",
    "1e3",
    "-0",
    "9007199254740991",
    "123456789012345678",
    "01",
    "null",
    "true",
  ],
  int: ["0", "-5", "-2147483648", "-2147483649", "1.5", '"5"', "-0", "null", "[1]"],
  text: [
    ...[
      "ZDOI5EA",
      "",
      "with space",
      'quote"inside',
      "back\\slash",
      "tab\t",
      "é",
      "日本",
      "\u0000",
      "\u007f",
      "~",
    ].map(json),
    "123",
    "null",
  ],
  bool: ["true", "false", '"true"', "0", "null"],
  enum: [...["SALE", "PURCHASE", "sale", "REFUND", ""].map(json), "null", "1"],
};

/** A line of `row` with the JSON text of one column replaced. */
function withValue(row: object, column: string, text: string): string {
  const parts = Object.entries(row).map(([k, v]) => `${json(k)}:${k === column ? text : json(v)}`);
  return `{${parts.join(",")}}`;
}

const ROWS: Record<StreamedTable, object> = {
  sales_order: makeSalesOrder(),
  purchase_order: makePurchaseOrder(),
  payment: makePayment(),
  transaction: makeTransaction(),
};

describe("FastRowScanner: every edge case of every column agrees with the source schema and formatter", () => {
  const cases = (Object.keys(STREAMED_TABLES) as StreamedTable[]).flatMap((table) =>
    Object.entries(planOf(table).source).flatMap(([column, source]) =>
      (VALUES[source.kind] ?? []).map((text) => [table, column, text] as const),
    ),
  );

  it.each(cases)("%s %s = %s", (table, column, text) => {
    expectAgreement(table, withValue(ROWS[table], column, text));
  });

  it("takes the plain valid values and leaves the others to the reference", () => {
    const taken = cases.filter(([table, column, text]) => fast(table, withValue(ROWS[table], column, text)));
    const valid = cases.filter(([table, column, text]) =>
      reference(table, withValue(ROWS[table], column, text)),
    );

    // The fast path is the common path: it takes most valid values, and never an invalid one.
    expect(taken.length).toBeGreaterThan(valid.length * 0.6);
    expect(taken.every((c) => valid.includes(c))).toBe(true);
  });
});

describe("FastRowScanner: line shapes", () => {
  const plain = json(makeSalesOrder());

  it.each([
    ["a missing column", json({ ...makeSalesOrder(), units_sold: undefined })],
    ["an unknown column", json({ ...makeSalesOrder(), colour: "red" })],
    ["a column twice", plain.replace("}", ',"units_sold":5}')],
    ["a column twice, same value", plain.replace("}", ',"units_sold":42972}')],
    ["an escaped key", plain.replace('"units_sold"', '"units\\u005fsold"')],
    ["a key that differs in its last letter", plain.replace('"units_sold"', '"units_solD"')],
    ["a key that is a prefix", plain.replace('"units_sold"', '"units_sol"')],
    ["spaces between tokens", JSON.stringify(makeSalesOrder(), null, 1).replace(/\n/g, "")],
    ["a space after the object", `${plain} `],
    ["CRLF", `${plain}\r`],
    ["an empty object", "{}"],
    ["an array", "[1, 2]"],
    ["null", "null"],
    ["a truncated line", plain.slice(0, -10)],
    ["an empty line", ""],
    ["garbage after the object", `${plain}x`],
    ["two objects", `${plain}${plain}`],
    ["a __proto__ key", plain.replace('"units_sold"', '"__proto__"')],
  ])("%s: the fast path agrees with the reference", (_name, line) => {
    const outcome = expectAgreement("sales_order", line);

    expect(outcome.taken).toBe(false);
  });

  it("stops at the end of the line, before the next one", () => {
    const columns = parquetColumns("fact_sales_order");
    const part = new ParquetTableBuilder(columns, 2);
    const scanner = new FastRowScanner("sales_order", planOf("sales_order"), columns);
    const buffer = Buffer.from(`${plain}\n${plain}\n`);

    const end = scanner.scan(buffer, 0, part);
    part.commit();
    const next = scanner.scan(buffer, end + 1, part);

    expect([end, next]).toEqual([plain.length, plain.length * 2 + 1]);
  });
});
