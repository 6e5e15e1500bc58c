import { createHash } from "node:crypto";
import { starParquetColumns, writeParquet } from "@etl/s3-io/parquet";
import {
  type Address,
  datesOf,
  type SalesOrder,
  STAR_COLUMNS,
  type StarTable,
  toDimCounterparty,
  toDimCurrency,
  toDimDate,
  toDimDesign,
  toDimLocation,
  toDimStaff,
  toFactSalesOrder,
} from "@etl/schemas";
import {
  makeAddress,
  makeCounterparty,
  makeCurrency,
  makeDepartment,
  makeDesign,
  makeSalesOrder,
  makeStaff,
} from "@etl/schemas/testing";
import type { ParquetFileSource, TableFiles } from "../../src/warehouse/load-run";

/** The Parquet columns the transform writes for a star table. */
export const parquetColumns = starParquetColumns;

export function starParquet(table: StarTable, rows: readonly object[], rowGroupRows?: number): Uint8Array {
  return writeParquet(parquetColumns(table), rows, rowGroupRows ? { rowGroupRows } : {});
}

export type StarRows = Partial<Record<StarTable, readonly object[]>>;

export interface SourceRows {
  addresses?: Address[];
  salesOrders?: SalesOrder[];
}

/** The star rows a transform makes of a small totesys: two addresses, one of everything else. */
export function starRowsOf(source: SourceRows = {}): StarRows {
  const addresses = source.addresses ?? [
    makeAddress({ address_id: 1 }),
    makeAddress({ address_id: 2, address_line_2: "Flat 2", city: "Leeds" }),
  ];
  const salesOrders = source.salesOrders ?? [
    makeSalesOrder({ sales_order_id: 1 }),
    makeSalesOrder({ sales_order_id: 2, unit_price: "2.5", agreed_delivery_location_id: 2 }),
  ];
  const facts = toFactSalesOrder(salesOrders);
  return {
    dim_date: toDimDate(datesOf("fact_sales_order", facts)),
    dim_location: toDimLocation(addresses),
    dim_currency: toDimCurrency([makeCurrency()]),
    dim_design: toDimDesign([makeDesign()]),
    dim_staff: toDimStaff([makeStaff()], [makeDepartment()]),
    dim_counterparty: toDimCounterparty([makeCounterparty({ legal_address_id: 1 })], addresses),
    fact_sales_order: facts,
  };
}

/** Star rows as a run's tables in load order, each one file, read from memory. */
export function runTables(
  runId: string,
  rows: StarRows,
  read: (table: StarTable, bytes: Uint8Array) => Promise<Uint8Array> = async (_t, b) => b,
): TableFiles[] {
  const tables = Object.keys(STAR_COLUMNS) as StarTable[];
  return tables.flatMap((table) => {
    const tableRows = rows[table];
    if (!tableRows) return [];
    const bytes = starParquet(table, tableRows);
    const file: ParquetFileSource = {
      key: `star/${table}/${runId}-0001.parquet`,
      sha256: createHash("sha256").update(bytes).digest("hex"),
      rows: tableRows.length,
      read: () => read(table, bytes),
    };
    return [{ table, files: [file] }];
  });
}
