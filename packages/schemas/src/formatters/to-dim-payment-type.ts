import type { PaymentType } from "../source";
import type { DimPaymentType } from "../star";
import { newestByKey, sourceUpdatedAt } from "./values";

/** `dim_payment_type` from `payment_type` rows: the newest version of each type. */
export function toDimPaymentType(paymentTypes: Iterable<PaymentType>): DimPaymentType[] {
  return newestByKey(paymentTypes, (p) => p.payment_type_id, {
    table: "payment_type",
    key: "payment_type_id",
  }).map((p) => ({
    payment_type_id: p.payment_type_id,
    payment_type_name: p.payment_type_name,
    source_updated_at: sourceUpdatedAt(() => `payment_type ${p.payment_type_id}`, p.last_updated),
  }));
}
