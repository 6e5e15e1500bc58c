/**
 * The allow-list of totesys tables the pipeline reads, with each one's primary key. Nothing
 * else is ever read (the real database also holds `_prisma_migrations`). `transaction` is a
 * SQL keyword: always quote identifiers.
 */
export const SOURCE_TABLES = {
  address: "address_id",
  counterparty: "counterparty_id",
  currency: "currency_id",
  department: "department_id",
  design: "design_id",
  staff: "staff_id",
  sales_order: "sales_order_id",
  purchase_order: "purchase_order_id",
  payment_type: "payment_type_id",
  transaction: "transaction_id",
  payment: "payment_id",
} as const;

export type SourceTable = keyof typeof SOURCE_TABLES;
export const SOURCE_TABLE_NAMES = Object.keys(SOURCE_TABLES) as SourceTable[];

export function isSourceTable(name: string): name is SourceTable {
  return Object.hasOwn(SOURCE_TABLES, name);
}

/** Star tables in load order: dimensions before the facts that reference them. */
export const STAR_TABLE_NAMES = [
  "dim_date",
  "dim_location",
  "dim_currency",
  "dim_design",
  "dim_staff",
  "dim_counterparty",
  "dim_payment_type",
  "dim_transaction",
  "fact_sales_order",
  "fact_purchase_order",
  "fact_payment",
] as const;

export type StarTable = (typeof STAR_TABLE_NAMES)[number];

export function isStarTable(name: string): name is StarTable {
  return (STAR_TABLE_NAMES as readonly string[]).includes(name);
}

export function isFactTable(name: StarTable): boolean {
  return name.startsWith("fact_");
}
