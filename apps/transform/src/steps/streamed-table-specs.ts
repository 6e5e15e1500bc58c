import {
  type RowSourcedStarTable,
  type SourceRow,
  type SourceTable,
  type StarRow,
  toDimTransaction,
  toFactPayment,
  toFactPurchaseOrder,
  toFactSalesOrder,
} from "@etl/schemas";
import type { StateTable } from "./reference-state";

/** A column of a source row that must name a row of a reference table. */
export interface Reference {
  column: string;
  table: StateTable;
}

export interface StreamedSpec<S extends SourceTable, D extends RowSourcedStarTable> {
  star: D;
  format: (rows: readonly SourceRow<S>[]) => StarRow<D>[];
  references: readonly Reference[];
}

/**
 * The tables too large to hold in memory (facts grow without bound, and `transaction` with
 * them): read, formatted and written batch by batch, a Parquet part at a time.
 */
export const STREAMED_TABLES = {
  sales_order: {
    star: "fact_sales_order",
    format: toFactSalesOrder,
    references: [
      { column: "design_id", table: "design" },
      { column: "staff_id", table: "staff" },
      { column: "counterparty_id", table: "counterparty" },
      { column: "currency_id", table: "currency" },
      { column: "agreed_delivery_location_id", table: "address" },
    ],
  },
  purchase_order: {
    star: "fact_purchase_order",
    format: toFactPurchaseOrder,
    references: [
      { column: "staff_id", table: "staff" },
      { column: "counterparty_id", table: "counterparty" },
      { column: "currency_id", table: "currency" },
      { column: "agreed_delivery_location_id", table: "address" },
    ],
  },
  payment: {
    star: "fact_payment",
    format: toFactPayment,
    references: [
      { column: "counterparty_id", table: "counterparty" },
      { column: "currency_id", table: "currency" },
      { column: "payment_type_id", table: "payment_type" },
    ],
  },
  transaction: { star: "dim_transaction", format: toDimTransaction, references: [] },
} as const satisfies {
  sales_order: StreamedSpec<"sales_order", "fact_sales_order">;
  purchase_order: StreamedSpec<"purchase_order", "fact_purchase_order">;
  payment: StreamedSpec<"payment", "fact_payment">;
  transaction: StreamedSpec<"transaction", "dim_transaction">;
};

export type StreamedTable = keyof typeof STREAMED_TABLES;

export function isStreamedTable(table: string): table is StreamedTable {
  return Object.hasOwn(STREAMED_TABLES, table);
}
