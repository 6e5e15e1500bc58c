import type { Transaction } from "../source";
import type { DimTransaction } from "../star";
import { newestByKey, sourceUpdatedAt } from "./values";

/**
 * `dim_transaction` from rows of the table named `transaction` (a SQL keyword, quoted wherever
 * it meets SQL): the newest version of each; the order id that does not apply stays NULL.
 */
export function toDimTransaction(transactions: Iterable<Transaction>): DimTransaction[] {
  return newestByKey(transactions, (t) => t.transaction_id, {
    table: "transaction",
    key: "transaction_id",
  }).map((t) => ({
    transaction_id: t.transaction_id,
    transaction_type: t.transaction_type,
    sales_order_id: t.sales_order_id,
    purchase_order_id: t.purchase_order_id,
    source_updated_at: sourceUpdatedAt(() => `transaction ${t.transaction_id}`, t.last_updated),
  }));
}
