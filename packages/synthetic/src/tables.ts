import { type SourceTable, sourceColumns } from "@etl/schemas";
import { dayText, MS_PER_DAY, MS_PER_HOUR, timestampText } from "./clock";
import { officeInstant, officeSpan, type SeedPlan } from "./plan";
import { hash3, type Random, rowRandom } from "./random";
import {
  CITIES,
  COUNTRIES,
  CURRENCY_CODES,
  DEPARTMENTS,
  DESIGN_NAMES,
  DISTRICTS,
  FILE_LOCATIONS,
  FIRST_NAMES,
  LAST_NAMES,
  LINE_2,
  MANAGERS,
  PAYMENT_TYPE_ID,
  PAYMENT_TYPES,
  STREETS,
} from "./reference-data";

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
const STREAM = {
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

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const LOWER = "abcdefghijklmnopqrstuvwxyz";
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

interface Order {
  createdMs: number;
  counterpartyId: number;
  currencyId: number;
  /** Value of the order in cents (units × unit price). */
  valueCents: number;
  agreedPaymentDate: string;
  row: Row;
}

/**
 * The orders' time line. Event k (0-based) is the k-th order in time, sales and purchase orders
 * interleaved evenly, and also `transaction_id` k + 1 and `payment_id` k + 1. Its instant grows
 * with k, so ids follow time as in a real database, and falls on a weekday between 08:00 and 19:00.
 */
export class Timeline {
  readonly events: number;
  private readonly purchases: number;
  private readonly step: number;

  constructor(private readonly plan: SeedPlan) {
    this.events = plan.events;
    this.purchases = plan.sizes.purchase_order;
    this.step = officeSpan(plan) / plan.events;
  }

  /** Purchases among events 0 .. k-1. */
  purchasesBefore(k: number): number {
    return Math.floor((k * this.purchases) / this.events);
  }

  isPurchase(k: number): boolean {
    return this.purchasesBefore(k + 1) > this.purchasesBefore(k);
  }

  /** The instant of event k, in epoch ms. */
  instant(k: number): number {
    const jitter = hash3(this.plan.seed, STREAM.timeline, k) / 4294967296;
    return officeInstant(this.plan, Math.floor((k + jitter) * this.step));
  }

  /** Fraction of the history elapsed at event k, in [0, 1). */
  fraction(k: number): number {
    return k / this.events;
  }
}

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
  const { seed, sizes, startMs, endMs } = plan;
  const timeline = new Timeline(plan);
  const refCreated = (table: number, id: number) => timestampText(startMs + table * 1000 + id * 7);

  const designsEarly = Math.ceil(sizes.design / 2);
  const designsLate = sizes.design - designsEarly;
  const span = officeSpan(plan);

  function designCreatedMs(id: number): number {
    if (id <= designsEarly) return startMs + 5000 + id * 3;
    const m = id - designsEarly;
    return officeInstant(plan, Math.floor((m * span) / (designsLate + 1)));
  }

  /** Designs that exist at event k: the early half, plus the late ones created by then. */
  function designsAt(k: number): number {
    return designsEarly + Math.min(designsLate, Math.floor((k * (designsLate + 1)) / timeline.events));
  }

  function legalAddresses(): number[] {
    const rng = rowRandom(seed, STREAM.counterparty, 0);
    const ids = Array.from({ length: sizes.address }, (_, i) => i + 1);
    for (let i = ids.length - 1; i > 0; i--) {
      const j = rng.int(0, i);
      [ids[i], ids[j]] = [ids[j] ?? 0, ids[i] ?? 0];
    }
    const distinct = ids.slice(0, sizes.legalAddresses);
    return Array.from({ length: sizes.counterparty }, (_, i) =>
      i < distinct.length ? (distinct[i] ?? 1) : rng.pick(distinct),
    );
  }

  function agreedDates(rng: Random, createdMs: number): [string, string] {
    const day = Math.floor(createdMs / MS_PER_DAY);
    const delivery = rng.int(2, MAX_AGREED_DAYS);
    const payment = Math.max(1, Math.min(MAX_AGREED_DAYS, delivery + rng.int(-7, 14)));
    return [dayText(day + delivery), dayText(day + payment)];
  }

  function updatedMs(rng: Random, createdMs: number, p: number): number {
    if (!rng.chance(p)) return createdMs;
    return Math.min(endMs, createdMs + rng.int(60_000, 30 * MS_PER_DAY));
  }

  function salesOrder(id: number, event: number): Order {
    const rng = rowRandom(seed, STREAM.sales, id);
    const createdMs = timeline.instant(event);
    const updated = updatedMs(rng, createdMs, 0.15);
    const designId = rng.int(1, designsAt(event));
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
    const updated = updatedMs(rng, createdMs, 0.1);
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

  function* addresses(): Generator<Row> {
    for (let id = 1; id <= sizes.address; id++) {
      const rng = rowRandom(seed, STREAM.address, id);
      const created = refCreated(1, id);
      yield [
        id,
        `${rng.int(1, 9999)} ${rng.pick(STREETS)}`,
        // NULL in 20 of the 30 real rows.
        rng.chance(2 / 3) ? null : `${rng.pick(LINE_2)} ${rng.int(1, 99)}`,
        rng.chance(0.5) ? null : rng.pick(DISTRICTS),
        rng.pick(CITIES),
        rng.chance(0.5) ? String(rng.int(10000, 99999)) : `${rng.int(10000, 99999)}-${rng.int(1000, 9999)}`,
        rng.pick(COUNTRIES),
        `${rng.int(1000, 9999)} ${rng.int(100000, 999999)}`,
        created,
        created,
      ];
    }
  }

  function* counterparties(): Generator<Row> {
    const legal = legalAddresses();
    for (let id = 1; id <= sizes.counterparty; id++) {
      const rng = rowRandom(seed, STREAM.counterparty, id);
      const a = rng.pick(LAST_NAMES);
      const b = rng.pick(LAST_NAMES);
      const c = rng.pick(LAST_NAMES);
      const name = rng.pick([
        `${a} and Sons`,
        `${a} Inc`,
        `${a} LLC`,
        `${a} - ${b}`,
        `${a}, ${b} and ${c}`,
        `${a} Group`,
      ]);
      const contact = () => (rng.chance(0.1) ? null : `${rng.pick(FIRST_NAMES)} ${rng.pick(LAST_NAMES)}`);
      const created = refCreated(2, id);
      yield [id, name, legal[id - 1] ?? 1, contact(), contact(), created, created];
    }
  }

  function* currencies(): Generator<Row> {
    for (let id = 1; id <= sizes.currency; id++) {
      const created = refCreated(3, id);
      yield [id, CURRENCY_CODES[id - 1] ?? "GBP", created, created];
    }
  }

  function* departments(): Generator<Row> {
    for (let id = 1; id <= sizes.department; id++) {
      const rng = rowRandom(seed, STREAM.department, id);
      const department = DEPARTMENTS[id - 1] ?? DEPARTMENTS[0];
      const created = refCreated(4, id);
      yield [id, department.name, department.location, rng.pick(MANAGERS), created, created];
    }
  }

  function* designs(): Generator<Row> {
    for (let id = 1; id <= sizes.design; id++) {
      const rng = rowRandom(seed, STREAM.design, id);
      const createdMs = designCreatedMs(id);
      const updated = updatedMs(rng, createdMs, 0.05);
      const name = rng.pick(DESIGN_NAMES);
      let suffix = "";
      for (let i = 0; i < 4; i++) suffix += LOWER[rng.int(0, LOWER.length - 1)];
      const stamp = dayText(Math.floor(createdMs / MS_PER_DAY) - rng.int(0, 120)).replaceAll("-", "");
      yield [
        id,
        timestampText(createdMs),
        name,
        rng.pick(FILE_LOCATIONS),
        `${name.toLowerCase()}-${stamp}-${suffix}.json`,
        timestampText(updated),
      ];
    }
  }

  function* staff(): Generator<Row> {
    const used = new Set<string>();
    for (let id = 1; id <= sizes.staff; id++) {
      const rng = rowRandom(seed, STREAM.staff, id);
      let first: string;
      let last: string;
      do {
        first = rng.pick(FIRST_NAMES);
        last = rng.pick(LAST_NAMES);
      } while (used.has(`${first} ${last}`));
      used.add(`${first} ${last}`);
      // Every department has someone in it; the rest are spread at random.
      const department = id <= sizes.department ? id : rng.int(1, sizes.department);
      const created = refCreated(6, id);
      yield [
        id,
        first,
        last,
        department,
        `${first}.${last}@terrifictotes.com`.toLowerCase(),
        created,
        created,
      ];
    }
  }

  function* paymentTypes(): Generator<Row> {
    for (let id = 1; id <= sizes.payment_type; id++) {
      const created = refCreated(9, id);
      yield [id, PAYMENT_TYPES[id - 1] ?? "SALES_RECEIPT", created, created];
    }
  }

  function* prismaMigrations(): Generator<Row> {
    const names = ["20221103142049_init", "20221103142050_add_payments"];
    for (let i = 0; i < names.length; i++) {
      const rng = rowRandom(seed, STREAM.prisma, i + 1);
      const hex = (n: number) => Array.from({ length: n }, () => rng.int(0, 15).toString(16)).join("");
      const at = `${timestampText(startMs - 3_600_000 + i * 1000)}+00`;
      yield [
        `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`,
        hex(64),
        at,
        names[i] ?? "",
        null,
        null,
        at,
        1,
      ];
    }
  }

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
      t("design", sourceColumns("design"), sizes.design, designs),
      t("staff", sourceColumns("staff"), sizes.staff, staff),
      t("sales_order", sourceColumns("sales_order"), sizes.sales_order, () => orders("sales")),
      t("purchase_order", sourceColumns("purchase_order"), sizes.purchase_order, () => orders("purchase")),
      t("payment_type", sourceColumns("payment_type"), sizes.payment_type, paymentTypes),
      t("transaction", sourceColumns("transaction"), sizes.transaction, transactions),
      t("payment", sourceColumns("payment"), sizes.payment, payments),
    ],
  };
}

const PRISMA_COLUMNS = [
  "id",
  "checksum",
  "finished_at",
  "migration_name",
  "logs",
  "rolled_back_at",
  "started_at",
  "applied_steps_count",
] as const;
