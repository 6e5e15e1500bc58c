import type { SalesOrder } from "../source";
import type { FactSalesOrder } from "../star";
import { columnSpec } from "../star-columns";
import { distinctVersions, splitTimestamp, toScale } from "./values";

const unitPrice = columnSpec("fact_sales_order", "unit_price");

/**
 * `fact_sales_order` from `sales_order` rows: one row per source version (`sales_order_id` +
 * `last_updated`), so an order updated twice in one batch gives two rows; exact duplicates
 * collapse to one. `created_at` and `last_updated` split into date and time, `staff_id` becomes
 * `sales_staff_id`, `unit_price` is a string with two decimals. No surrogate id: the warehouse
 * assigns `sales_record_id`.
 */
export function toFactSalesOrder(salesOrders: Iterable<SalesOrder>): FactSalesOrder[] {
  const rows: FactSalesOrder[] = [];
  for (const s of salesOrders) {
    const where = () => `sales_order ${s.sales_order_id} (last_updated ${s.last_updated})`;
    const created = splitTimestamp(s.created_at, where);
    const updated = splitTimestamp(s.last_updated, where);
    rows.push({
      sales_order_id: s.sales_order_id,
      created_date: created.date,
      created_time: created.time,
      last_updated_date: updated.date,
      last_updated_time: updated.time,
      sales_staff_id: s.staff_id,
      counterparty_id: s.counterparty_id,
      units_sold: s.units_sold,
      unit_price: toScale(
        s.unit_price,
        unitPrice.precision ?? 10,
        unitPrice.scale ?? 2,
        () => `${where()} unit_price`,
      ),
      currency_id: s.currency_id,
      design_id: s.design_id,
      agreed_payment_date: s.agreed_payment_date,
      agreed_delivery_date: s.agreed_delivery_date,
      agreed_delivery_location_id: s.agreed_delivery_location_id,
    });
  }
  return distinctVersions(rows, (r) => r.sales_order_id, { table: "sales_order", key: "sales_order_id" });
}
