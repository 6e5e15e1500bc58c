import { qualified } from "@etl/db";
import type { SourceTable } from "@etl/schemas";
import pg from "pg";
import { affectedRows } from "./affected-rows";
import { dayText, epochDayOf } from "./clock";
import { readExisting, reserveIds } from "./existing-rows";
import { centsText, counterpartyAccount, MAX_AGREED_DAYS } from "./order-rows";
import { PURCHASE_RATIO } from "./plan";
import { hash3, Random } from "./random";
import { MANAGERS } from "./reference-data";

export interface ChangeOptions {
  databaseUrl: string;
  /** Makes the choices repeatable for one database state; the timestamps are the database's. */
  seed: number;
  schema?: string;
}

export interface ChangeSummary {
  inserted: Partial<Record<SourceTable, number>>;
  updated: Partial<Record<SourceTable, number>>;
}

/** The database holds no seeded totesys to change. */
export class NotSeededError extends Error {
  constructor() {
    super("the database holds no seeded totesys: run `etl seed` first");
    this.name = "NotSeededError";
  }
}

/** The seeded history spans about 780 weekdays: a day's orders are the scale over that. */
const HISTORY_WEEKDAYS = 780;

/**
 * Applies a realistic day of changes to a seeded totesys, in one transaction: new sales and
 * purchase orders (about a day's share of the seeded volume) with their transactions and unpaid
 * payments, updates to some sales orders, unpaid payments marked paid, one address change and one
 * department change. Every touched row gets `last_updated` from the database clock
 * (`clock_timestamp()`, full microseconds), never this process's, so the ingest's watermark
 * picks them all up on its next run.
 */
export async function applyChanges(options: ChangeOptions): Promise<ChangeSummary> {
  const schema = options.schema ?? "public";
  const client = new pg.Client({ connectionString: options.databaseUrl });
  await client.connect();
  const t = (table: SourceTable) => qualified(schema, table);
  try {
    await client.query("begin");
    // A database without totesys's tables was never seeded either (PostgreSQL: undefined_table).
    const db = await readExisting(client, schema).catch((error: unknown) => {
      if ((error as { code?: string }).code === "42P01") throw new NotSeededError();
      throw error;
    });
    if (db.sales === 0 || db.addresses.length === 0 || db.departments.length === 0) {
      throw new NotSeededError();
    }
    const rng = new Random(hash3(options.seed, 0xc4a6e, db.maxSalesId));
    const todayDay = epochDayOf(db.today);
    const daily = Math.max(5, Math.round(db.sales / HISTORY_WEEKDAYS));
    const purchases = Math.max(2, Math.round(daily * PURCHASE_RATIO));
    const agreed = (): [string, string] => {
      const delivery = rng.int(2, MAX_AGREED_DAYS);
      const payment = Math.max(1, Math.min(MAX_AGREED_DAYS, delivery + rng.int(-7, 14)));
      return [dayText(todayDay + delivery), dayText(todayDay + payment)];
    };

    const salesIds = await reserveIds(client, schema, "sales_order", daily);
    const sales = salesIds.map((id) => {
      const units = rng.int(1000, 100_000);
      const cents = rng.int(200, 400);
      const [delivery, payment] = agreed();
      return {
        id,
        design: rng.pick(db.designs),
        staff: rng.pick(db.staff),
        counterparty: rng.pick(db.counterparties),
        units,
        price: centsText(cents),
        currency: rng.pick(db.currencies),
        delivery,
        payment,
        location: rng.pick(db.addresses),
        valueCents: units * cents,
      };
    });
    await client.query(
      `insert into ${t("sales_order")} (sales_order_id, created_at, last_updated, design_id, staff_id,
         counterparty_id, units_sold, unit_price, currency_id, agreed_delivery_date, agreed_payment_date,
         agreed_delivery_location_id)
       select id, at, at, design_id, staff_id, counterparty_id, units_sold, unit_price, currency_id,
              agreed_delivery_date, agreed_payment_date, agreed_delivery_location_id
         from (select u.*, clock_timestamp()::timestamp as at
                 from unnest($1::int[], $2::int[], $3::int[], $4::int[], $5::int[], $6::numeric[], $7::int[],
                             $8::text[], $9::text[], $10::int[])
                   as u(id, design_id, staff_id, counterparty_id, units_sold, unit_price, currency_id,
                        agreed_delivery_date, agreed_payment_date, agreed_delivery_location_id)) s`,
      [
        sales.map((s) => s.id),
        sales.map((s) => s.design),
        sales.map((s) => s.staff),
        sales.map((s) => s.counterparty),
        sales.map((s) => s.units),
        sales.map((s) => s.price),
        sales.map((s) => s.currency),
        sales.map((s) => s.delivery),
        sales.map((s) => s.payment),
        sales.map((s) => s.location),
      ],
    );

    const purchaseIds = await reserveIds(client, schema, "purchase_order", purchases);
    const alphanumeric = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    const bought = purchaseIds.map((id) => {
      const quantity = rng.int(1, 1000);
      const cents = rng.int(300, 100_000);
      const [delivery, payment] = agreed();
      return {
        id,
        staff: rng.pick(db.staff),
        counterparty: rng.pick(db.counterparties),
        itemCode: Array.from({ length: 7 }, () => alphanumeric[rng.int(0, 35)]).join(""),
        quantity,
        price: centsText(cents),
        currency: rng.pick(db.currencies),
        delivery,
        payment,
        location: rng.pick(db.addresses),
        valueCents: quantity * cents,
      };
    });
    await client.query(
      `insert into ${t("purchase_order")} (purchase_order_id, created_at, last_updated, staff_id, counterparty_id,
         item_code, item_quantity, item_unit_price, currency_id, agreed_delivery_date, agreed_payment_date,
         agreed_delivery_location_id)
       select id, at, at, staff_id, counterparty_id, item_code, item_quantity, item_unit_price, currency_id,
              agreed_delivery_date, agreed_payment_date, agreed_delivery_location_id
         from (select u.*, clock_timestamp()::timestamp as at
                 from unnest($1::int[], $2::int[], $3::int[], $4::text[], $5::int[], $6::numeric[], $7::int[],
                             $8::text[], $9::text[], $10::int[])
                   as u(id, staff_id, counterparty_id, item_code, item_quantity, item_unit_price, currency_id,
                        agreed_delivery_date, agreed_payment_date, agreed_delivery_location_id)) s`,
      [
        bought.map((p) => p.id),
        bought.map((p) => p.staff),
        bought.map((p) => p.counterparty),
        bought.map((p) => p.itemCode),
        bought.map((p) => p.quantity),
        bought.map((p) => p.price),
        bought.map((p) => p.currency),
        bought.map((p) => p.delivery),
        bought.map((p) => p.payment),
        bought.map((p) => p.location),
      ],
    );

    const orders = [
      ...sales.map((s) => ({ ...s, kind: "SALE" as const })),
      ...bought.map((p) => ({ ...p, kind: "PURCHASE" as const })),
    ];
    const transactionIds = await reserveIds(client, schema, "transaction", orders.length);
    await client.query(
      `insert into ${t("transaction")} (transaction_id, transaction_type, sales_order_id, purchase_order_id,
         created_at, last_updated)
       select id, transaction_type, sales_order_id, purchase_order_id, at, at
         from (select u.*, clock_timestamp()::timestamp as at
                 from unnest($1::int[], $2::text[], $3::int[], $4::int[])
                   as u(id, transaction_type, sales_order_id, purchase_order_id)) s`,
      [
        transactionIds,
        orders.map((o) => o.kind),
        orders.map((o) => (o.kind === "SALE" ? o.id : null)),
        orders.map((o) => (o.kind === "PURCHASE" ? o.id : null)),
      ],
    );

    const paymentIds = await reserveIds(client, schema, "payment", orders.length);
    const receipt = db.paymentTypes.SALES_RECEIPT ?? 1;
    const purchasePayment = db.paymentTypes.PURCHASE_PAYMENT ?? 3;
    await client.query(
      `insert into ${t("payment")} (payment_id, created_at, last_updated, transaction_id, counterparty_id,
         payment_amount, currency_id, payment_type_id, paid, payment_date, company_ac_number,
         counterparty_ac_number)
       select id, at, at, transaction_id, counterparty_id, payment_amount, currency_id, payment_type_id, false,
              payment_date, company_ac_number, counterparty_ac_number
         from (select u.*, clock_timestamp()::timestamp as at
                 from unnest($1::int[], $2::int[], $3::int[], $4::numeric[], $5::int[], $6::int[], $7::text[],
                             $8::int[], $9::int[])
                   as u(id, transaction_id, counterparty_id, payment_amount, currency_id, payment_type_id,
                        payment_date, company_ac_number, counterparty_ac_number)) s`,
      [
        paymentIds,
        transactionIds,
        orders.map((o) => o.counterparty),
        orders.map((o) => centsText(Math.max(100, o.valueCents))),
        orders.map((o) => o.currency),
        orders.map((o) => (o.kind === "SALE" ? receipt : purchasePayment)),
        orders.map((o) => o.payment),
        orders.map(() => rng.int(10_000_000, 99_999_999)),
        orders.map((o) => counterpartyAccount(options.seed, o.counterparty)),
      ],
    );

    const changed = Array.from(
      new Set(Array.from({ length: Math.max(1, Math.round(daily / 10)) }, () => rng.int(1, db.maxSalesId))),
    );
    const salesUpdated = await client.query(
      `update ${t("sales_order")} s
          set units_sold = u.units_sold, agreed_delivery_date = u.agreed_delivery_date,
              last_updated = clock_timestamp()::timestamp
         from unnest($1::int[], $2::int[], $3::text[]) as u(id, units_sold, agreed_delivery_date)
        where s.sales_order_id = u.id`,
      [changed, changed.map(() => rng.int(1000, 100_000)), changed.map(() => agreed()[0])],
    );

    const paid = await client.query(
      `update ${t("payment")} set paid = true, last_updated = clock_timestamp()::timestamp
        where payment_id in (select payment_id from ${t("payment")}
                              where not paid and created_at <= localtimestamp - interval '13 hours'
                              order by created_at, payment_id limit $1)`,
      [orders.length],
    );

    // A counterparty's legal address, so the change reaches dim_location and dim_counterparty.
    const address = await client.query(
      `update ${t("address")} set phone = $2, last_updated = clock_timestamp()::timestamp
        where address_id = (select legal_address_id from ${t("counterparty")}
                             order by counterparty_id offset $1 limit 1)`,
      [rng.int(0, 13), `${rng.int(1000, 9999)} ${rng.int(100000, 999999)}`],
    );
    // A department that moves office: the change reaches every dim_staff row in it.
    const department = await client.query(
      `update ${t("department")}
          set manager = $2, location = case when location = 'Leeds' then 'Manchester' else 'Leeds' end,
              last_updated = clock_timestamp()::timestamp
        where department_id = $1`,
      [rng.pick(db.departments), rng.pick(MANAGERS)],
    );
    await client.query("commit");
    return {
      inserted: {
        sales_order: sales.length,
        purchase_order: bought.length,
        transaction: orders.length,
        payment: orders.length,
      },
      updated: {
        sales_order: affectedRows(salesUpdated),
        payment: affectedRows(paid),
        address: affectedRows(address),
        department: affectedRows(department),
      },
    };
  } catch (error) {
    await client.query("rollback").catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
}
