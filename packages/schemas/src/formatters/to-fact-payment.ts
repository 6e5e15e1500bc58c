import type { Payment } from "../source";
import type { FactPayment } from "../star";
import { columnSpec } from "../star-columns";
import { distinctVersions, splitTimestamp, toScale } from "./values";

const paymentAmount = columnSpec("fact_payment", "payment_amount");

/**
 * `fact_payment` from `payment` rows: one row per source version (`payment_id` +
 * `last_updated`), so a payment created unpaid and later paid gives two rows once both versions
 * are seen; exact duplicates collapse. The account numbers are dropped; `payment_amount` is a
 * string at the column's scale. No surrogate id.
 */
export function toFactPayment(payments: Iterable<Payment>): FactPayment[] {
  const rows: FactPayment[] = [];
  for (const p of payments) {
    const where = () => `payment ${p.payment_id} (last_updated ${p.last_updated})`;
    const created = splitTimestamp(p.created_at, where);
    const updated = splitTimestamp(p.last_updated, where);
    rows.push({
      payment_id: p.payment_id,
      created_date: created.date,
      created_time: created.time,
      last_updated_date: updated.date,
      last_updated_time: updated.time,
      transaction_id: p.transaction_id,
      counterparty_id: p.counterparty_id,
      payment_amount: toScale(
        p.payment_amount,
        paymentAmount.precision ?? 14,
        paymentAmount.scale ?? 2,
        () => `${where()} payment_amount`,
      ),
      currency_id: p.currency_id,
      payment_type_id: p.payment_type_id,
      paid: p.paid,
      payment_date: p.payment_date,
    });
  }
  return distinctVersions(rows, (r) => r.payment_id, { table: "payment", key: "payment_id" });
}
