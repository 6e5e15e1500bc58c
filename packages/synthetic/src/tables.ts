import { sourceColumns } from "@etl/schemas";
import { createOrderRows, type Order } from "./order-rows";
import type { SeedPlan } from "./plan";
import { createReferenceRows, PRISMA_COLUMNS } from "./reference-rows";
import type { Row, SeedTable } from "./seed-table";
import { createDesignSchedule, Timeline } from "./timeline";

export { centsText, counterpartyAccount, MAX_AGREED_DAYS, PAY_AFTER_HOURS } from "./order-rows";
export type { Row, SeedTable, Value } from "./seed-table";
export { Timeline } from "./timeline";

export interface TotesysGenerator {
  plan: SeedPlan;
  timeline: Timeline;
  tables: SeedTable[];
  salesOrder(id: number, event: number): Order;
  purchaseOrder(id: number, event: number): Order;
}

/**
 * A deterministic synthetic totesys for (seed, scale): the same plan always gives the same rows.
 * Tables come in load order (every table after those it references).
 */
export function createGenerator(plan: SeedPlan): TotesysGenerator {
  const { sizes } = plan;
  const timeline = new Timeline(plan);
  const designs = createDesignSchedule(plan, timeline);
  const { salesOrder, purchaseOrder, orders, transactions, payments } = createOrderRows(
    plan,
    timeline,
    designs,
  );
  const reference = createReferenceRows(plan, designs);
  const { addresses, counterparties, currencies, departments, staff, paymentTypes, prismaMigrations } =
    reference;

  const t = (
    table: SeedTable["table"],
    columns: readonly string[],
    count: number,
    rows: () => Iterable<Row>,
  ): SeedTable => ({ table, columns, count, rows });

  return {
    plan,
    timeline,
    salesOrder,
    purchaseOrder,
    tables: [
      t("_prisma_migrations", PRISMA_COLUMNS, 2, prismaMigrations),
      t("address", sourceColumns("address"), sizes.address, addresses),
      t("counterparty", sourceColumns("counterparty"), sizes.counterparty, counterparties),
      t("currency", sourceColumns("currency"), sizes.currency, currencies),
      t("department", sourceColumns("department"), sizes.department, departments),
      t("design", sourceColumns("design"), sizes.design, reference.designs),
      t("staff", sourceColumns("staff"), sizes.staff, staff),
      t("sales_order", sourceColumns("sales_order"), sizes.sales_order, () => orders("sales")),
      t("purchase_order", sourceColumns("purchase_order"), sizes.purchase_order, () => orders("purchase")),
      t("payment_type", sourceColumns("payment_type"), sizes.payment_type, paymentTypes),
      t("transaction", sourceColumns("transaction"), sizes.transaction, transactions),
      t("payment", sourceColumns("payment"), sizes.payment, payments),
    ],
  };
}
