import type { StarTable } from "./tables";

/** The logical type of a warehouse column; each writer maps it to its own (Parquet, SQL, Glue). */
export type ColumnType = "int" | "bigint" | "text" | "date" | "time" | "timestamp" | "decimal" | "boolean";

export interface ColumnSpec {
  name: string;
  type: ColumnType;
  /** Total digits, for `decimal` only. */
  precision?: number;
  /** Digits after the point, for `decimal` only. */
  scale?: number;
  nullable: boolean;
  /**
   * Added after its table was first released: nullable, and added to existing warehouses by the
   * migration (PostgreSQL `add column if not exists`; Redshift after a catalog check), so a new
   * column reaches the warehouse without a rebuild (docs/schema-change.md).
   */
  added?: boolean;
  /** A SQL literal the warehouse fills the column with when a row does not give it. */
  default?: string;
}

const col = (name: string, type: ColumnType, nullable = false): ColumnSpec => ({ name, type, nullable });
const decimal = (name: string, precision: number, scale: number): ColumnSpec => ({
  name,
  type: "decimal",
  precision,
  scale,
  nullable: false,
});

/** The recency column every dimension but `dim_date` ends with (see `STAR_COLUMNS`). */
export const SOURCE_UPDATED_AT_COLUMN = "source_updated_at";
const SOURCE_UPDATED_AT: ColumnSpec = { ...col(SOURCE_UPDATED_AT_COLUMN, "timestamp", true), added: true };

/**
 * The warehouse columns of every star table, in the real column order of MODEL.md: the single
 * source of truth for the Parquet writer, the warehouse DDL, Redshift COPY column lists and Glue
 * tables. The surrogate ids the warehouse assigns (`sales_record_id`, `purchase_record_id`,
 * `payment_record_id`) are not listed: files never carry them and the DDL adds them as identity
 * columns (see `SURROGATE_KEYS`).
 *
 * Values in files: `date` as `YYYY-MM-DD`; `time` as text `HH:MM:SS.ffffff` (Redshift cannot load
 * `TIME` from Parquet, so it is cast in the merge; the warehouse column is `TIME`); `timestamp`
 * likewise as text `YYYY-MM-DD HH:MM:SS.ffffff` (cast in the merge; the column is `TIMESTAMP`);
 * `decimal` as a string at the column's scale; `int` as a number.
 *
 * Every dimension but `dim_date` ends with `source_updated_at`: the source `last_updated` of the
 * row's version (the greatest of its sources for `dim_staff` and `dim_counterparty`). The merge
 * replaces a warehouse row only with a version at least as new, so a run loaded late cannot make
 * a dimension older. It is nullable in the warehouse only because it was added to existing
 * tables (rows loaded before it have none); the transform always fills it.
 *
 * Decimal precisions: `unit_price` is `numeric(10,2)` in totesys. `item_unit_price` and
 * `payment_amount` are unconstrained `numeric` there, with two decimals in practice and values up
 * to 1,000 and 1,000,000; the warehouse keeps them exact as `numeric(12,2)` and `numeric(14,2)`,
 * room for ten thousand times the largest value seen. A value that does not fit is a data error,
 * never rounded.
 */
export const STAR_COLUMNS: Record<StarTable, readonly ColumnSpec[]> = {
  dim_date: [
    col("date_id", "date"),
    col("year", "int"),
    col("month", "int"),
    col("day", "int"),
    col("day_of_week", "int"),
    col("day_name", "text"),
    col("month_name", "text"),
    col("quarter", "int"),
  ],
  dim_location: [
    col("location_id", "int"),
    col("address_line_1", "text"),
    col("address_line_2", "text", true),
    col("district", "text", true),
    col("city", "text"),
    col("postal_code", "text"),
    col("country", "text"),
    col("phone", "text"),
    SOURCE_UPDATED_AT,
  ],
  dim_currency: [
    col("currency_id", "int"),
    col("currency_code", "text"),
    col("currency_name", "text"),
    SOURCE_UPDATED_AT,
  ],
  dim_design: [
    col("design_id", "int"),
    col("design_name", "text"),
    col("file_location", "text"),
    col("file_name", "text"),
    SOURCE_UPDATED_AT,
  ],
  dim_staff: [
    col("staff_id", "int"),
    col("first_name", "text"),
    col("last_name", "text"),
    col("department_name", "text"),
    col("location", "text", true),
    col("email_address", "text"),
    SOURCE_UPDATED_AT,
  ],
  dim_counterparty: [
    col("counterparty_id", "int"),
    col("counterparty_legal_name", "text"),
    col("counterparty_legal_address_line_1", "text"),
    col("counterparty_legal_address_line_2", "text", true),
    col("counterparty_legal_district", "text", true),
    col("counterparty_legal_city", "text"),
    col("counterparty_legal_postal_code", "text"),
    col("counterparty_legal_country", "text"),
    col("counterparty_legal_phone_number", "text"),
    SOURCE_UPDATED_AT,
  ],
  dim_payment_type: [col("payment_type_id", "int"), col("payment_type_name", "text"), SOURCE_UPDATED_AT],
  dim_transaction: [
    col("transaction_id", "int"),
    col("transaction_type", "text"),
    col("sales_order_id", "int", true),
    col("purchase_order_id", "int", true),
    SOURCE_UPDATED_AT,
  ],
  fact_sales_order: [
    col("sales_order_id", "int"),
    col("created_date", "date"),
    col("created_time", "time"),
    col("last_updated_date", "date"),
    col("last_updated_time", "time"),
    col("sales_staff_id", "int"),
    col("counterparty_id", "int"),
    col("units_sold", "int"),
    decimal("unit_price", 10, 2),
    col("currency_id", "int"),
    col("design_id", "int"),
    col("agreed_payment_date", "date"),
    col("agreed_delivery_date", "date"),
    col("agreed_delivery_location_id", "int"),
  ],
  fact_purchase_order: [
    col("purchase_order_id", "int"),
    col("created_date", "date"),
    col("created_time", "time"),
    col("last_updated_date", "date"),
    col("last_updated_time", "time"),
    col("staff_id", "int"),
    col("counterparty_id", "int"),
    col("item_code", "text"),
    col("item_quantity", "int"),
    decimal("item_unit_price", 12, 2),
    col("currency_id", "int"),
    col("agreed_delivery_date", "date"),
    col("agreed_payment_date", "date"),
    col("agreed_delivery_location_id", "int"),
  ],
  fact_payment: [
    col("payment_id", "int"),
    col("created_date", "date"),
    col("created_time", "time"),
    col("last_updated_date", "date"),
    col("last_updated_time", "time"),
    col("transaction_id", "int"),
    col("counterparty_id", "int"),
    decimal("payment_amount", 14, 2),
    col("currency_id", "int"),
    col("payment_type_id", "int"),
    col("paid", "boolean"),
    col("payment_date", "date"),
  ],
};

/**
 * The merge key of each star table: a dimension's id (SCD type 1, one row per key), a fact's
 * natural version key (one row per source version; a replay matches and inserts nothing).
 */
export const STAR_KEYS: Record<StarTable, readonly string[]> = {
  dim_date: ["date_id"],
  dim_location: ["location_id"],
  dim_currency: ["currency_id"],
  dim_design: ["design_id"],
  dim_staff: ["staff_id"],
  dim_counterparty: ["counterparty_id"],
  dim_payment_type: ["payment_type_id"],
  dim_transaction: ["transaction_id"],
  fact_sales_order: ["sales_order_id", "last_updated_date", "last_updated_time"],
  fact_purchase_order: ["purchase_order_id", "last_updated_date", "last_updated_time"],
  fact_payment: ["payment_id", "last_updated_date", "last_updated_time"],
};

export type FactTable = "fact_sales_order" | "fact_purchase_order" | "fact_payment";

/** The surrogate id the warehouse assigns to each fact row (an identity column, never in files). */
export const SURROGATE_KEYS: Record<FactTable, string> = {
  fact_sales_order: "sales_record_id",
  fact_purchase_order: "purchase_record_id",
  fact_payment: "payment_record_id",
};

export interface StarReference {
  column: string;
  table: StarTable;
  /** The referenced table's key column. */
  references: string;
}

const dateRef = (column: string): StarReference => ({ column, table: "dim_date", references: "date_id" });

/**
 * What each fact column refers to: the PostgreSQL DDL declares these as foreign keys, and every
 * date a fact holds must be in `dim_date`, so dimensions load before facts.
 */
export const STAR_REFERENCES: Record<FactTable, readonly StarReference[]> = {
  fact_sales_order: [
    dateRef("created_date"),
    dateRef("last_updated_date"),
    { column: "sales_staff_id", table: "dim_staff", references: "staff_id" },
    { column: "counterparty_id", table: "dim_counterparty", references: "counterparty_id" },
    { column: "currency_id", table: "dim_currency", references: "currency_id" },
    { column: "design_id", table: "dim_design", references: "design_id" },
    dateRef("agreed_payment_date"),
    dateRef("agreed_delivery_date"),
    { column: "agreed_delivery_location_id", table: "dim_location", references: "location_id" },
  ],
  fact_purchase_order: [
    dateRef("created_date"),
    dateRef("last_updated_date"),
    { column: "staff_id", table: "dim_staff", references: "staff_id" },
    { column: "counterparty_id", table: "dim_counterparty", references: "counterparty_id" },
    { column: "currency_id", table: "dim_currency", references: "currency_id" },
    dateRef("agreed_delivery_date"),
    dateRef("agreed_payment_date"),
    { column: "agreed_delivery_location_id", table: "dim_location", references: "location_id" },
  ],
  fact_payment: [
    dateRef("created_date"),
    dateRef("last_updated_date"),
    { column: "transaction_id", table: "dim_transaction", references: "transaction_id" },
    { column: "counterparty_id", table: "dim_counterparty", references: "counterparty_id" },
    { column: "currency_id", table: "dim_currency", references: "currency_id" },
    { column: "payment_type_id", table: "dim_payment_type", references: "payment_type_id" },
    dateRef("payment_date"),
  ],
};

export const FACT_TABLE_NAMES = Object.keys(SURROGATE_KEYS) as FactTable[];

/** The spec of one column; throws when the table has no such column (a programming error). */
export function columnSpec(table: StarTable, column: string): ColumnSpec {
  const spec = STAR_COLUMNS[table].find((c) => c.name === column);
  if (!spec) throw new Error(`${table} has no column ${column}`);
  return spec;
}

/** The names of the date columns of a star table (every value must be a `dim_date` row). */
export function dateColumns(table: StarTable): string[] {
  return STAR_COLUMNS[table].filter((c) => c.type === "date").map((c) => c.name);
}
