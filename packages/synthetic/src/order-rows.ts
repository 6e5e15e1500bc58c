import { dayText, MS_PER_DAY, MS_PER_HOUR, timestampText } from "./clock";
import type { SeedPlan } from "./plan";
import { hash3, type Random, rowRandom } from "./random";
import { PAYMENT_TYPE_ID } from "./reference-data";
import { type Row, STREAM } from "./seed-table";
import { type DesignSchedule, type Timeline, updatedMs } from "./timeline";

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
/** Agreed delivery and payment dates lie up to 624 days after the order (as in the real data). */
export const MAX_AGREED_DAYS = 624;
/** Payments are created unpaid and paid 13 to 144 hours later. */
export const PAY_AFTER_HOURS = [13, 144] as const;

/** Cents as a decimal string with two decimals: 350 is "3.50". */
export function centsText(cents: number): string {
  const whole = Math.floor(cents / 100);
  const rest = cents - whole * 100;
  return `${whole}.${rest < 10 ? "0" : ""}${rest}`;
}

/** The counterparty's bank account number: the same for every payment of one counterparty. */
export function counterpartyAccount(seed: number, counterpartyId: number): number {
  return 10_000_000 + (hash3(seed, STREAM.account, counterpartyId) % 90_000_000);
}

export interface Order {
  createdMs: number;
  counterpartyId: number;
  currencyId: number;
  /** Value of the order in cents (units × unit price). */
  valueCents: number;
  agreedPaymentDate: string;
  row: Row;
}

/**
 * The rows that follow the time line: sales and purchase orders, one transaction and one payment
 * per order. A payment restates its order, so orders are rebuilt from their id, never stored.
 */
export function createOrderRows(plan: SeedPlan, timeline: Timeline, designs: DesignSchedule) {
  const { seed, sizes, endMs } = plan;

  function agreedDates(rng: Random, createdMs: number): [string, string] {
    const day = Math.floor(createdMs / MS_PER_DAY);
    const delivery = rng.int(2, MAX_AGREED_DAYS);
    const payment = Math.max(1, Math.min(MAX_AGREED_DAYS, delivery + rng.int(-7, 14)));
    return [dayText(day + delivery), dayText(day + payment)];
  }

  function salesOrder(id: number, event: number): Order {
    const rng = rowRandom(seed, STREAM.sales, id);
    const createdMs = timeline.instant(event);
    const updated = updatedMs(rng, createdMs, 0.15, endMs);
    const designId = rng.int(1, designs.at(event));
    const staffId = rng.int(1, sizes.staff);
    const counterpartyId = rng.int(1, sizes.counterparty);
    const units = rng.int(1000, 100_000);
    const priceCents = rng.int(200, 400);
    const currencyId = rng.int(1, sizes.currency);
    const [delivery, payment] = agreedDates(rng, createdMs);
    const locationId = rng.int(1, sizes.address);
    const created = timestampText(createdMs);
    return {
      createdMs,
      counterpartyId,
      currencyId,
      valueCents: units * priceCents,
      agreedPaymentDate: payment,
      row: [
        id,
        created,
        updated === createdMs ? created : timestampText(updated),
        designId,
        staffId,
        counterpartyId,
        units,
        centsText(priceCents),
        currencyId,
        delivery,
        payment,
        locationId,
      ],
    };
  }

  function purchaseOrder(id: number, event: number): Order {
    const rng = rowRandom(seed, STREAM.purchase, id);
    const createdMs = timeline.instant(event);
    const updated = updatedMs(rng, createdMs, 0.1, endMs);
    const staffId = rng.int(1, sizes.staff);
    const counterpartyId = rng.int(1, sizes.counterparty);
    let itemCode = "";
    for (let i = 0; i < 7; i++) itemCode += ALPHANUMERIC[rng.int(0, ALPHANUMERIC.length - 1)];
    const quantity = rng.int(1, 1000);
    const priceCents = rng.int(300, 100_000);
    const currencyId = rng.int(1, sizes.currency);
    const [delivery, payment] = agreedDates(rng, createdMs);
    const locationId = rng.int(1, sizes.address);
    const created = timestampText(createdMs);
    return {
      createdMs,
      counterpartyId,
      currencyId,
      valueCents: quantity * priceCents,
      agreedPaymentDate: payment,
      row: [
        id,
        created,
        updated === createdMs ? created : timestampText(updated),
        staffId,
        counterpartyId,
        itemCode,
        quantity,
        centsText(priceCents),
        currencyId,
        delivery,
        payment,
        locationId,
      ],
    };
  }

  function* orders(kind: "sales" | "purchase"): Generator<Row> {
    let id = 0;
    for (let k = 0; k < timeline.events; k++) {
      const purchase = timeline.isPurchase(k);
      if (purchase !== (kind === "purchase")) continue;
      id += 1;
      yield (purchase ? purchaseOrder(id, k) : salesOrder(id, k)).row;
    }
  }

  function* transactions(): Generator<Row> {
    for (let k = 0; k < timeline.events; k++) {
      const created = timestampText(timeline.instant(k));
      const before = timeline.purchasesBefore(k);
      if (timeline.isPurchase(k)) yield [k + 1, "PURCHASE", null, before + 1, created, created];
      else yield [k + 1, "SALE", k - before + 1, null, created, created];
    }
  }

  function* payments(): Generator<Row> {
    for (let k = 0; k < timeline.events; k++) {
      const before = timeline.purchasesBefore(k);
      const purchase = timeline.isPurchase(k);
      const order = purchase ? purchaseOrder(before + 1, k) : salesOrder(k - before + 1, k);
      const rng = rowRandom(seed, STREAM.payment, k + 1);
      const paidAt =
        order.createdMs + rng.int(PAY_AFTER_HOURS[0] * MS_PER_HOUR, PAY_AFTER_HOURS[1] * MS_PER_HOUR);
      const paid = paidAt <= endMs;
      const refund = rng.chance(0.02);
      const type = purchase
        ? refund
          ? PAYMENT_TYPE_ID.PURCHASE_REFUND
          : PAYMENT_TYPE_ID.PURCHASE_PAYMENT
        : refund
          ? PAYMENT_TYPE_ID.SALES_REFUND
          : PAYMENT_TYPE_ID.SALES_RECEIPT;
      const created = timestampText(order.createdMs);
      yield [
        k + 1,
        created,
        paid ? timestampText(paidAt) : created,
        k + 1,
        order.counterpartyId,
        centsText(Math.max(100, order.valueCents)),
        order.currencyId,
        type,
        paid,
        order.agreedPaymentDate,
        rng.int(10_000_000, 99_999_999),
        counterpartyAccount(seed, order.counterpartyId),
      ];
    }
  }

  return { salesOrder, purchaseOrder, orders, transactions, payments };
}
