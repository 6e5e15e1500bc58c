import { STAR_COLUMNS } from "./star-columns";
import type { SourceTable, StarTable } from "./tables";

/** A timestamp column's date (`YYYY-MM-DD`), time (`HH:MM:SS.ffffff`) or whole canonical text. */
export type TimestampPart = "date" | "time" | "timestamp";

/** Where a star column's value comes from: a column of the source row, as it is or a part of it. */
export interface StarColumnSource {
  from: string;
  part?: TimestampPart;
}

const dateOf = (from: string): StarColumnSource => ({ from, part: "date" });
const timeOf = (from: string): StarColumnSource => ({ from, part: "time" });
const timestampOf = (from: string): StarColumnSource => ({ from, part: "timestamp" });

/** Every fact's created and last-updated timestamps, split into date and time. */
const FACT_TIMESTAMPS = {
  created_date: dateOf("created_at"),
  created_time: timeOf("created_at"),
  last_updated_date: dateOf("last_updated"),
  last_updated_time: timeOf("last_updated"),
};

/**
 * The star tables of which each row comes from one source row, and the columns that do not
 * simply copy the same-named source column: renames and timestamp parts. What the formatters
 * (`toFactSalesOrder`, ...) do column by column, as data, so that the transform's fast path can
 * follow it without restating it; the tests hold each formatter to it. A new source column that a
 * star column copies under its own name needs nothing here.
 */
export const ROW_SOURCES = {
  fact_sales_order: {
    source: "sales_order",
    columns: { ...FACT_TIMESTAMPS, sales_staff_id: { from: "staff_id" } },
  },
  fact_purchase_order: { source: "purchase_order", columns: FACT_TIMESTAMPS },
  fact_payment: { source: "payment", columns: FACT_TIMESTAMPS },
  dim_transaction: { source: "transaction", columns: { source_updated_at: timestampOf("last_updated") } },
} as const satisfies Partial<
  Record<StarTable, { source: SourceTable; columns: Readonly<Record<string, StarColumnSource>> }>
>;

export type RowSourcedStarTable = keyof typeof ROW_SOURCES;

/**
 * Where each column of a row-sourced star table comes from, in the star table's column order.
 *
 * @example
 * starColumnSources("fact_sales_order").sales_staff_id // { from: "staff_id" }
 * starColumnSources("fact_sales_order").units_sold // { from: "units_sold" }
 */
export function starColumnSources(star: RowSourcedStarTable): Record<string, StarColumnSource> {
  const named: Readonly<Record<string, StarColumnSource>> = ROW_SOURCES[star].columns;
  return Object.fromEntries(STAR_COLUMNS[star].map((c) => [c.name, named[c.name] ?? { from: c.name }]));
}
