import type { ColumnSpec } from "./star-columns";
import type { SourceTable, StarTable } from "./tables";

/**
 * The warehouse columns that record hard deletes (rows deleted at the source), on every star
 * table but `dim_date`:
 *
 * - `is_deleted`: false by default, so every row loaded before (or without) a deletion is
 *   current, and existing warehouses get the column with every row false;
 * - `deleted_at`: when the deletion was detected (the ingest snapshot's database time), NULL
 *   otherwise.
 *
 * A dimension row keeps its values (facts reference it) and gets the flag and the time. A fact
 * gets a deletion version: a new row, its natural version key's `last_updated_*` at the detection
 * time, its other values from the last known version, `is_deleted` true. They are warehouse
 * columns, not file columns: the load writes them from the processed manifest's `deletions`
 * (`STAR_COLUMNS` and the Parquet files do not change), and both are additive, so the existing
 * star contract still holds.
 */
export const DELETION_COLUMNS: readonly ColumnSpec[] = [
  { name: "is_deleted", type: "boolean", nullable: false, default: "false" },
  { name: "deleted_at", type: "timestamp", nullable: true },
];

export const IS_DELETED_COLUMN = "is_deleted";
export const DELETED_AT_COLUMN = "deleted_at";

/** Every star table but `dim_date` (a calendar date is never deleted). */
export function hasDeletionColumns(table: StarTable): boolean {
  return table !== "dim_date";
}

/** The star table a source row becomes, and the column that holds its source key there. */
export interface DeletionTarget {
  table: StarTable;
  key: string;
}

const TARGETS: Record<SourceTable, DeletionTarget | undefined> = {
  address: { table: "dim_location", key: "location_id" },
  counterparty: { table: "dim_counterparty", key: "counterparty_id" },
  currency: { table: "dim_currency", key: "currency_id" },
  // A department has no star row of its own; its name and location live on in dim_staff.
  department: undefined,
  design: { table: "dim_design", key: "design_id" },
  staff: { table: "dim_staff", key: "staff_id" },
  sales_order: { table: "fact_sales_order", key: "sales_order_id" },
  purchase_order: { table: "fact_purchase_order", key: "purchase_order_id" },
  payment_type: { table: "dim_payment_type", key: "payment_type_id" },
  transaction: { table: "dim_transaction", key: "transaction_id" },
  payment: { table: "fact_payment", key: "payment_id" },
};

/** Where a row deleted from `source` is marked deleted; undefined for a table with no star row. */
export function deletionTarget(source: SourceTable): DeletionTarget | undefined {
  return TARGETS[source];
}
