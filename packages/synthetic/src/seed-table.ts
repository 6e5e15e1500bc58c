import type { SourceTable } from "@etl/schemas";

export type Value = string | number | boolean | null;
export type Row = Value[];

export interface SeedTable {
  table: SourceTable | "_prisma_migrations";
  /** Column names in the order of each row's values (the real column order). */
  columns: readonly string[];
  /** How many rows `rows()` yields. */
  count: number;
  /** Generates the rows lazily: memory stays flat at any scale. */
  rows(): Iterable<Row>;
}

/** Independent random streams, one per table or purpose. */
export const STREAM = {
  address: 1,
  counterparty: 2,
  department: 4,
  design: 5,
  staff: 6,
  sales: 7,
  purchase: 8,
  timeline: 9,
  payment: 11,
  prisma: 12,
  account: 13,
} as const;
