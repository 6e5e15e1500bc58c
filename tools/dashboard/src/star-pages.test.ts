import { describe, expect, it } from "vitest";
import type { CutRollup, Snapshot, StarRollup } from "./snapshot";
import { starPage, topGroups } from "./star-pages";

/** A cut from rows of [day, currency index, label, facts, quantity, cents]. */
function cut(name: string, rows: [number, number, string, number, number, number][]): CutRollup {
  const labels = [...new Set(rows.map((r) => r[2]))];
  return {
    name,
    day: Int32Array.from(rows.map((r) => r[0])),
    currency: Uint8Array.from(rows.map((r) => r[1])),
    key: Int32Array.from(rows.map((r) => labels.indexOf(r[2]))),
    facts: Float64Array.from(rows.map((r) => r[3])),
    quantity: Float64Array.from(rows.map((r) => r[4])),
    cents: Float64Array.from(rows.map((r) => r[5])),
    labels,
  };
}

const payments: StarRollup = {
  currencies: ["EUR", "GBP"],
  cuts: [
    cut("total", [
      [20260105, 0, "", 2, 2, 1050],
      [20260210, 1, "", 1, 1, 99],
    ]),
    cut("type", [
      [20260105, 0, "SALES_RECEIPT", 2, 2, 1050],
      [20260210, 1, "PURCHASE_PAYMENT", 1, 1, 99],
    ]),
    cut("paid", [
      [20260105, 0, "paid", 1, 1, 50],
      [20260105, 0, "not paid", 1, 1, 1000],
      [20260210, 1, "paid", 1, 1, 99],
    ]),
    cut("counterparty", [
      [20260105, 0, "B", 1, 1, 1000],
      [20260105, 0, "A", 1, 1, 50],
      [20260210, 1, "A", 1, 1, 99],
    ]),
  ],
};

const snapshot = (rollup: StarRollup, facts = 3): Snapshot => ({
  version: "v",
  builtAt: "2026-12-05T00:00:00.000Z",
  buildMs: 1,
  facts: { sales: 0, purchases: 0, payments: facts },
  rollups: { sales: rollup, purchases: rollup, payments: rollup },
  changes: [],
});

describe("starPage", () => {
  it("payments: counts and amounts per currency, no quantity figure", () => {
    const page = starPage("payments", snapshot(payments), {});

    expect(page.figures).toEqual([
      { id: "facts", label: "payments", kind: "count", value: 3 },
      { id: "money-EUR", label: "amount (EUR)", kind: "money", currency: "EUR", value: 10.5 },
      { id: "money-GBP", label: "amount (GBP)", kind: "money", currency: "GBP", value: 0.99 },
    ]);
    const months = page.charts[0];
    expect(months?.labels).toEqual(["2026-01", "2026-02"]);
    expect(months?.series.map((s) => s.values)).toEqual([
      [10.5, 0],
      [0, 0.99],
    ]);
    expect(page.charts.find((c) => c.id === "payments-paid")?.labels).toEqual(["paid", "not paid"]);
  });

  it("ranks by money once one currency is chosen, and by count otherwise", () => {
    const all = starPage("payments", snapshot(payments), {});
    const eur = starPage("payments", snapshot(payments), { currency: "EUR" });

    expect(all.charts.find((c) => c.id === "payments-counterparty")?.labels).toEqual(["A", "B"]);
    const top = eur.charts.find((c) => c.id === "payments-counterparty");
    expect(top?.labels).toEqual(["B", "A"]);
    expect(top?.series).toEqual([{ name: "EUR", kind: "money", currency: "EUR", values: [10, 0.5] }]);
  });

  it("a currency the star does not hold, or days outside it: nothing, said so", () => {
    const usd = starPage("payments", snapshot(payments), { currency: "USD" });
    const later = starPage("payments", snapshot(payments), { from: "2026-03-01", to: "2026-12-31" });

    for (const page of [usd, later]) {
      expect(page.figures).toEqual([{ id: "facts", label: "payments", kind: "count", value: 0 }]);
      expect(page.charts.every((c) => c.empty === "Nothing in the chosen days and currency.")).toBe(true);
    }
  });

  it("an empty star says it is not loaded", () => {
    const page = starPage("purchases", snapshot(payments, 0), {});

    expect(page.problem).toEqual({
      kind: "empty",
      message: "No purchase orders are loaded: the purchasing star is empty.",
    });
  });

  it("a rollup missing its cuts draws empty charts", () => {
    const page = starPage("payments", snapshot({ currencies: [], cuts: [] }), {});

    expect(page.charts.map((c) => c.labels)).toEqual([[], [], [], []]);
  });
});

describe("topGroups", () => {
  it("keeps the k highest, ties by label, skipping groups never seen", () => {
    const sums = {
      size: 5,
      facts: new Float64Array(5),
      quantity: new Float64Array(5),
      cents: new Float64Array(5),
      seen: Uint8Array.from([1, 1, 0, 1, 1]),
    };
    const values = [5, 7, 99, 5, 1];
    const labels = ["e", "a", "z", "b", "c"];

    const top = topGroups(
      sums,
      3,
      (g) => values[g] ?? 0,
      (g) => labels[g] ?? "",
    );

    expect(top).toEqual([1, 3, 0]);
  });
});
