import { createHash } from "node:crypto";
import { SOURCE_SCHEMAS, SOURCE_TABLE_NAMES } from "@etl/schemas";
import { describe, expect, it } from "vitest";
import { epochDayOf, isWeekday, MS_PER_HOUR } from "../../src/clock";
import { copyChunks } from "../../src/copy-text";
import { createPlan, MAX_SCALE } from "../../src/plan";
import { createGenerator, MAX_AGREED_DAYS } from "../../src/tables";
import { objectsOf, tableOf } from "./rows";

function digest(seed: number, scale: number): string {
  const hash = createHash("sha256");
  for (const table of createGenerator(createPlan(seed, scale)).tables) {
    hash.update(table.table);
    for (const chunk of copyChunks(table.rows())) hash.update(chunk);
  }
  return hash.digest("hex");
}

const ms = (timestamp: unknown) => Date.parse(`${String(timestamp).replace(" ", "T")}Z`);
const day = (date: unknown) => epochDayOf(String(date));

describe("the synthetic totesys generator", () => {
  it("is deterministic for (seed, scale) and differs across seeds and scales", () => {
    const first = digest(7, 500);

    expect(digest(7, 500)).toBe(first);
    expect(digest(8, 500)).not.toBe(first);
    expect(digest(7, 501)).not.toBe(first);
  });

  it.each([100, 11_000, 250_000])("has the real reference sizes at scale %i", (scale) => {
    const { tables, plan } = createGenerator(createPlan(3, scale));

    const counts = Object.fromEntries(tables.map((t) => [t.table, t.count]));

    expect(counts).toMatchObject({
      address: 30,
      counterparty: 20,
      currency: 3,
      department: 8,
      staff: 20,
      payment_type: 4,
      sales_order: scale,
      purchase_order: Math.round(scale * 0.42),
      transaction: scale + Math.round(scale * 0.42),
      payment: scale + Math.round(scale * 0.42),
      _prisma_migrations: 2,
    });
    expect(plan.sizes.design).toBeGreaterThanOrEqual(50);
    if (scale === 11_000) expect(plan.sizes.design).toBe(500);
  });

  it("yields exactly the announced rows, and every row parses with the source schemas", () => {
    const { tables } = createGenerator(createPlan(11, 400));

    for (const name of SOURCE_TABLE_NAMES) {
      const table = tableOf(tables, name);
      const rows = objectsOf(table);

      expect(rows).toHaveLength(table.count);
      for (const row of rows) SOURCE_SCHEMAS[name].parse(row);
    }
  });

  it("writes the reference data as in the real database", () => {
    const { tables } = createGenerator(createPlan(1, 100));

    const departments = objectsOf(tableOf(tables, "department"));
    const currencies = objectsOf(tableOf(tables, "currency")).map((c) => c.currency_code);
    const types = objectsOf(tableOf(tables, "payment_type")).map((p) => p.payment_type_name);
    const counterparties = objectsOf(tableOf(tables, "counterparty"));
    const staff = objectsOf(tableOf(tables, "staff"));

    expect(departments.map((d) => [d.department_name, d.location])).toEqual([
      ["Sales", "Manchester"],
      ["Purchasing", "Manchester"],
      ["Production", "Leeds"],
      ["Dispatch", "Leds"],
      ["Finance", "Manchester"],
      ["Facilities", "Manchester"],
      ["Communications", "Leeds"],
      ["HR", "Leeds"],
    ]);
    expect(currencies).toEqual(["GBP", "USD", "EUR"]);
    expect(types).toEqual(["SALES_RECEIPT", "SALES_REFUND", "PURCHASE_PAYMENT", "PURCHASE_REFUND"]);
    expect(new Set(counterparties.map((c) => c.legal_address_id)).size).toBe(14);
    expect(staff.every((s) => /^[a-z]+\.[a-z]+@terrifictotes\.com$/.test(String(s.email_address)))).toBe(
      true,
    );
    expect(new Set(staff.map((s) => s.email_address)).size).toBe(20);
  });

  it.each([1, 2, 3, 4, 5])("leaves address_line_2 and district NULL-heavy (seed %i)", (seed) => {
    const addresses = objectsOf(tableOf(createGenerator(createPlan(seed, 100)).tables, "address"));

    const nullLines = addresses.filter((a) => a.address_line_2 === null).length;
    const nullDistricts = addresses.filter((a) => a.district === null).length;

    expect(nullLines).toBeGreaterThanOrEqual(12);
    expect(nullLines).toBeLessThan(30);
    expect(nullDistricts).toBeGreaterThanOrEqual(6);
  });

  describe("at scale 3,000", () => {
    const generator = createGenerator(createPlan(5, 3000));
    const sales = objectsOf(tableOf(generator.tables, "sales_order"));
    const purchases = objectsOf(tableOf(generator.tables, "purchase_order"));
    const transactions = objectsOf(tableOf(generator.tables, "transaction"));
    const payments = objectsOf(tableOf(generator.tables, "payment"));
    const { startMs, endMs } = generator.plan;

    it("inserts orders on weekdays between 08:00 and 19:00, ids in time order, all in the history", () => {
      for (const rows of [sales, purchases, transactions]) {
        const created = rows.map((r) => ms(r.created_at));

        expect(created.every((t) => isWeekday(Math.floor(t / 86_400_000)))).toBe(true);
        expect(
          created.every((t) => t % 86_400_000 >= 8 * MS_PER_HOUR && t % 86_400_000 < 19 * MS_PER_HOUR),
        ).toBe(true);
        expect(created.every((t, i) => i === 0 || t >= (created[i - 1] ?? 0))).toBe(true);
        expect(rows.every((r) => ms(r.created_at) >= startMs && ms(r.last_updated) <= endMs)).toBe(true);
        expect(rows.every((r) => ms(r.last_updated) >= ms(r.created_at))).toBe(true);
      }
    });

    it("writes timestamps with millisecond values", () => {
      expect(
        sales.every((s) => /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$/.test(String(s.created_at))),
      ).toBe(true);
    });

    it("prices sales between 2.00 and 4.00 with two decimals and agrees dates up to 624 days ahead", () => {
      const prices = sales.map((s) => String(s.unit_price));
      const ahead = [...sales, ...purchases].flatMap((o) => [
        day(o.agreed_delivery_date) - day(String(o.created_at).slice(0, 10)),
        day(o.agreed_payment_date) - day(String(o.created_at).slice(0, 10)),
      ]);

      expect(prices.every((p) => /^[234]\.\d{2}$/.test(p) && Number(p) >= 2 && Number(p) <= 4)).toBe(true);
      expect(Math.min(...ahead)).toBeGreaterThanOrEqual(1);
      expect(Math.max(...ahead)).toBeLessThanOrEqual(MAX_AGREED_DAYS);
      expect(Math.max(...ahead)).toBeGreaterThan(500);
    });

    it("gives every order one transaction and every transaction one payment, consistent with its order", () => {
      const saleIds = transactions.filter((t) => t.transaction_type === "SALE").map((t) => t.sales_order_id);
      const purchaseIds = transactions
        .filter((t) => t.transaction_type === "PURCHASE")
        .map((t) => t.purchase_order_id);
      const salesById = new Map(sales.map((s) => [s.sales_order_id, s]));

      expect(saleIds).toEqual(sales.map((s) => s.sales_order_id));
      expect(purchaseIds).toEqual(purchases.map((p) => p.purchase_order_id));
      expect(transactions.every((t) => (t.sales_order_id === null) !== (t.purchase_order_id === null))).toBe(
        true,
      );
      for (const [i, payment] of payments.entries()) {
        const transaction = transactions[i];
        const order = transaction?.sales_order_id ? salesById.get(transaction.sales_order_id) : undefined;
        expect(payment.transaction_id).toBe(transaction?.transaction_id);
        if (order) {
          expect(payment).toMatchObject({
            counterparty_id: order.counterparty_id,
            currency_id: order.currency_id,
            payment_date: order.agreed_payment_date,
          });
        }
      }
    });

    it("pays payments 13 to 144 hours after creating them, and leaves the latest ones unpaid", () => {
      const paid = payments.filter((p) => p.paid === true);
      const unpaid = payments.filter((p) => p.paid === false);
      const delays = paid.map((p) => (ms(p.last_updated) - ms(p.created_at)) / MS_PER_HOUR);

      expect(Math.min(...delays)).toBeGreaterThanOrEqual(13);
      expect(Math.max(...delays)).toBeLessThanOrEqual(144);
      expect(unpaid.length).toBeGreaterThan(0);
      expect(unpaid.every((p) => p.last_updated === p.created_at)).toBe(true);
      expect(unpaid.every((p) => ms(p.created_at) > endMs - 144 * MS_PER_HOUR)).toBe(true);
    });

    it("updates some sales orders after creating them", () => {
      const updated = sales.filter((s) => s.last_updated !== s.created_at).length / sales.length;

      expect(updated).toBeGreaterThan(0.1);
      expect(updated).toBeLessThan(0.2);
    });

    it("lets a sales order use only designs created before it", () => {
      const designs = new Map(
        objectsOf(tableOf(generator.tables, "design")).map((d) => [d.design_id, ms(d.created_at)]),
      );

      expect(
        sales.every((s) => (designs.get(s.design_id) ?? Number.POSITIVE_INFINITY) <= ms(s.created_at)),
      ).toBe(true);
    });
  });

  it("generates rows lazily: the first rows of the largest scale come at once", () => {
    const generator = createGenerator(createPlan(1, MAX_SCALE));
    const first: unknown[] = [];

    for (const row of tableOf(generator.tables, "payment").rows()) {
      first.push(row[0]);
      if (first.length === 3) break;
    }

    expect(first).toEqual([1, 2, 3]);
    expect(generator.plan.sizes.payment).toBe(14_200_000);
  });

  it.each([
    [99, 1],
    [10_000_001, 1],
    [1000.5, 1],
    [1000, -1],
  ])("refuses scale %s with seed %s", (scale, seed) => {
    expect(() => createPlan(seed, scale)).toThrow(RangeError);
  });
});
