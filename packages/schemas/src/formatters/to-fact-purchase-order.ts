import type { PurchaseOrder } from "../source";
import type { FactPurchaseOrder } from "../star";
import { columnSpec } from "../star-columns";
import { distinctVersions, splitTimestamp, toScale } from "./values";

const itemUnitPrice = columnSpec("fact_purchase_order", "item_unit_price");

/**
 * `fact_purchase_order` from `purchase_order` rows: one row per source version
 * (`purchase_order_id` + `last_updated`), exact duplicates collapsed; timestamps split into date
 * and time; `item_unit_price` a string at the column's scale. No surrogate id.
 */
export function toFactPurchaseOrder(purchaseOrders: Iterable<PurchaseOrder>): FactPurchaseOrder[] {
  const rows: FactPurchaseOrder[] = [];
  for (const p of purchaseOrders) {
    const where = () => `purchase_order ${p.purchase_order_id} (last_updated ${p.last_updated})`;
    const created = splitTimestamp(p.created_at, where);
    const updated = splitTimestamp(p.last_updated, where);
    rows.push({
      purchase_order_id: p.purchase_order_id,
      created_date: created.date,
      created_time: created.time,
      last_updated_date: updated.date,
      last_updated_time: updated.time,
      staff_id: p.staff_id,
      counterparty_id: p.counterparty_id,
      item_code: p.item_code,
      item_quantity: p.item_quantity,
      item_unit_price: toScale(
        p.item_unit_price,
        itemUnitPrice.precision ?? 12,
        itemUnitPrice.scale ?? 2,
        () => `${where()} item_unit_price`,
      ),
      currency_id: p.currency_id,
      agreed_delivery_date: p.agreed_delivery_date,
      agreed_payment_date: p.agreed_payment_date,
      agreed_delivery_location_id: p.agreed_delivery_location_id,
    });
  }
  return distinctVersions(rows, (r) => r.purchase_order_id, {
    table: "purchase_order",
    key: "purchase_order_id",
  });
}
