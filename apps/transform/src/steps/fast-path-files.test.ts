import { ParquetTableBuilder, readParquet, writeParquetColumns } from "@etl/s3-io/parquet";
import { makePayment, makePurchaseOrder, makeSalesOrder, makeTransaction } from "@etl/schemas/testing";
import { describe, expect, it } from "vitest";
import { fastPlan } from "./fast-plan";
import { FastRowScanner } from "./fast-row-scanner";
import { parquetColumns } from "./parquet-columns";
import { parseSourceLine } from "./read-source-rows";
import { STREAMED_TABLES, type StreamedTable } from "./streamed-tables";

const WHERE = { bucket: "ingest", key: "raw/x.jsonl.gz", table: "x" };
const ROWS = 300;

/** A timestamp in each shape ingest may write: a space or a T, zero to six fraction digits. */
function stamp(i: number): string {
  const day = String((i % 28) + 1).padStart(2, "0");
  const fraction = "123456".slice(0, i % 7);
  return `202${i % 5}-0${(i % 9) + 1}-${day}${i % 2 === 0 ? " " : "T"}${String(i % 24).padStart(2, "0")}:0${i % 10}:5${i % 10}${fraction ? `.${fraction}` : ""}`;
}

/** `ROWS` varied source rows of each streamed table, as ingest writes them (one JSON line each). */
const LINES: Record<StreamedTable, (i: number) => object> = {
  sales_order: (i) =>
    makeSalesOrder({
      sales_order_id: i + 1,
      created_at: stamp(i),
      last_updated: stamp(i + 3),
      units_sold: i * 37 - 5000,
      unit_price: ["3.5", "12", "0.01", "-7.25", "99999999.99", "0"][i % 6],
      agreed_delivery_date: `2023-02-${String((i % 28) + 1).padStart(2, "0")}`,
    }),
  purchase_order: (i) =>
    makePurchaseOrder({
      purchase_order_id: i + 1,
      last_updated: stamp(i),
      item_code: `ITEM-${i}`.repeat(i % 4),
      item_unit_price: ["1.5", "123456.78", "0.10"][i % 3],
    }),
  payment: (i) =>
    makePayment({
      payment_id: i + 1,
      created_at: stamp(i + 1),
      paid: i % 3 === 0,
      payment_amount: ["169331.88", "-0.5", "42"][i % 3],
      company_ac_number: i * 1_000_003,
    }),
  transaction: (i) =>
    makeTransaction({
      transaction_id: i + 1,
      transaction_type: i % 2 === 0 ? "SALE" : "PURCHASE",
      sales_order_id: i % 2 === 0 ? i + 1 : null,
      purchase_order_id: i % 2 === 0 ? null : i + 1,
      last_updated: stamp(i),
    }),
};

/** One Parquet part of `lines`, read by the fast path; fails when it gives any line up. */
function fastPart(table: StreamedTable, lines: readonly string[]): Uint8Array {
  const columns = parquetColumns(STREAMED_TABLES[table].star);
  const scanner = new FastRowScanner(table, fastPlan(table, STREAMED_TABLES[table].star), columns);
  const part = new ParquetTableBuilder(columns, lines.length);
  const buffer = Buffer.from(lines.join("\n"), "utf8");
  let at = 0;
  while (at < buffer.length) {
    const end = scanner.scan(buffer, at, part);
    expect(end, `the fast path gave up line ${part.length + 1}`).toBeGreaterThan(at);
    part.commit();
    at = end + 1;
  }
  return writeParquetColumns(part);
}

/** The same part read the reference way: `JSON.parse`, the source schema, the formatter. */
function referencePart(table: StreamedTable, lines: readonly string[]): Uint8Array {
  const columns = parquetColumns(STREAMED_TABLES[table].star);
  const part = new ParquetTableBuilder(columns, lines.length);
  const format = STREAMED_TABLES[table].format as (rows: readonly object[]) => object[];
  lines.forEach((line, i) => {
    for (const star of format([parseSourceLine(table, line, WHERE, i + 1)])) part.appendRow(star);
  });
  return writeParquetColumns(part);
}

describe("the fast path's files", () => {
  it.each(Object.keys(STREAMED_TABLES) as StreamedTable[])(
    "%s: the same Parquet bytes as the reference path, row for row",
    async (table) => {
      const lines = Array.from({ length: ROWS }, (_, i) => JSON.stringify(LINES[table](i)));

      const fast = fastPart(table, lines);
      const reference = referencePart(table, lines);

      expect(await readParquet(fast)).toEqual(await readParquet(reference));
      expect(Buffer.from(fast).equals(Buffer.from(reference))).toBe(true);
    },
  );
});
