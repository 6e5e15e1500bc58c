import { type Filters, passes } from "./filters";
import type { ChartModel, Figure, PageModel, Series } from "./page-model";
import type { RollupRow, Snapshot, StarName } from "./snapshot";

/** How a star's page reads its rollup: names of its measures and which cuts it charts. */
interface StarPage {
  title: string;
  /** Said when the star holds no facts. */
  none: string;
  facts: string;
  quantity: string;
  money: string;
  cuts: { cut: string; title: string; header: string; top: number; by: "quantity" | "money" | "facts" }[];
}

const PAGES: Record<StarName, StarPage> = {
  sales: {
    title: "Sales",
    none: "No sales orders are loaded yet: run `etl run` to load them.",
    facts: "orders",
    quantity: "units sold",
    money: "revenue",
    cuts: [
      { cut: "counterparty", title: "Top counterparties", header: "counterparty", top: 10, by: "money" },
      { cut: "design", title: "Top designs", header: "design", top: 10, by: "money" },
      { cut: "location", title: "Units by delivery location", header: "delivery location", top: 20, by: "quantity" },
      { cut: "staff", title: "Units by staff", header: "staff", top: 25, by: "quantity" },
    ],
  },
  purchases: {
    title: "Purchases",
    none: "No purchase orders are loaded: the purchasing star is empty.",
    facts: "purchase orders",
    quantity: "items",
    money: "spend",
    cuts: [
      { cut: "counterparty", title: "Top suppliers", header: "counterparty", top: 10, by: "money" },
      { cut: "item", title: "Top items", header: "item code", top: 10, by: "money" },
      { cut: "location", title: "Items by delivery location", header: "delivery location", top: 20, by: "quantity" },
    ],
  },
  payments: {
    title: "Payments",
    none: "No payments are loaded: the payments star is empty.",
    facts: "payments",
    quantity: "payments",
    money: "amount",
    cuts: [
      { cut: "type", title: "Payments by type", header: "payment type", top: 10, by: "facts" },
      { cut: "paid", title: "Paid and not paid", header: "status", top: 10, by: "facts" },
      { cut: "counterparty", title: "Top counterparties by payments", header: "counterparty", top: 10, by: "money" },
    ],
  },
};

const major = (cents: number) => Math.round(cents) / 100;

interface Totals {
  facts: number;
  quantity: number;
  cents: Map<string, number>;
}

function add(map: Map<string, Totals>, key: string, row: RollupRow): void {
  let t = map.get(key);
  if (!t) {
    t = { facts: 0, quantity: 0, cents: new Map() };
    map.set(key, t);
  }
  t.facts += row.facts;
  t.quantity += row.quantity;
  t.cents.set(row.currency, (t.cents.get(row.currency) ?? 0) + row.cents);
}

/**
 * A star's page from its rollup and the filters. Money is never added across currencies: every
 * money chart has a series per currency. A ranking by money with no currency chosen ranks by the
 * quantity instead, and says so in its title.
 */
export function starPage(star: StarName, snapshot: Snapshot, filters: Filters): PageModel {
  const page = PAGES[star];
  const base: PageModel = { id: star, title: page.title, figures: [], charts: [], lists: [], notices: [], source: "" };
  if (snapshot.facts[star] === 0) return { ...base, problem: { kind: "empty", message: page.none } };
  const rows = snapshot.rollups[star].filter((r) => passes(filters, r.day, r.currency));
  const currencies = [...new Set(rows.map((r) => r.currency))].sort();
  const totals = new Map<string, Totals>();
  const months = new Map<string, Totals>();
  const cuts = new Map<string, Map<string, Totals>>();
  for (const row of rows) {
    if (row.cut === "total") {
      add(totals, "all", row);
      add(months, row.day.slice(0, 7), row);
      continue;
    }
    let cut = cuts.get(row.cut);
    if (!cut) {
      cut = new Map();
      cuts.set(row.cut, cut);
    }
    add(cut, row.label, row);
  }
  const all = totals.get("all") ?? { facts: 0, quantity: 0, cents: new Map<string, number>() };
  const figures: Figure[] = [
    { id: "facts", label: page.facts, kind: "count", value: all.facts },
    ...(star === "payments" ? [] : [{ id: "quantity", label: page.quantity, kind: "count" as const, value: all.quantity }]),
    ...currencies.map((c) => ({
      id: `money-${c}`,
      label: `${page.money} (${c})`,
      kind: "money" as const,
      currency: c,
      value: major(all.cents.get(c) ?? 0),
    })),
  ];
  const monthLabels = [...months.keys()].sort();
  const moneySeries = (labels: string[], of: Map<string, Totals>): Series[] =>
    currencies.map((c) => ({
      name: c,
      kind: "money",
      currency: c,
      values: labels.map((l) => {
        const v = of.get(l)?.cents.get(c);
        return v === undefined ? null : major(v);
      }),
    }));
  const charts: ChartModel[] = [
    {
      id: `${star}-by-month`,
      title: `${capital(page.money)} by month and currency`,
      type: "bar",
      labelKind: "month",
      labelHeader: "month",
      labels: monthLabels,
      series: moneySeries(monthLabels, months),
      empty: monthLabels.length === 0 ? "Nothing in the chosen days and currency." : undefined,
    },
  ];
  const oneCurrency = currencies.length === 1 ? currencies[0] : undefined;
  for (const spec of page.cuts) {
    const of = cuts.get(spec.cut) ?? new Map<string, Totals>();
    const by = spec.by === "money" && !oneCurrency ? "quantity" : spec.by;
    const value = (t: Totals) =>
      by === "money" ? (t.cents.get(oneCurrency ?? "") ?? 0) : by === "facts" ? t.facts : t.quantity;
    const labels = [...of.entries()]
      .sort((a, b) => value(b[1]) - value(a[1]) || a[0].localeCompare(b[0]))
      .slice(0, spec.top)
      .map(([label]) => label);
    const measure = by === "money" ? page.money : by === "facts" ? page.facts : page.quantity;
    const series: Series[] =
      by === "money"
        ? moneySeries(labels, of)
        : [{ name: measure, kind: "count", values: labels.map((l) => (by === "facts" ? (of.get(l)?.facts ?? 0) : (of.get(l)?.quantity ?? 0))) }];
    charts.push({
      id: `${star}-${spec.cut}`,
      title: spec.by === "money" && by !== "money" ? `${spec.title} by ${measure} (choose a currency to rank by ${page.money})` : `${spec.title} by ${measure}`,
      type: "bar",
      horizontal: true,
      labelKind: "text",
      labelHeader: spec.header,
      labels,
      series,
      empty: labels.length === 0 ? "Nothing in the chosen days and currency." : undefined,
    });
  }
  return { ...base, figures, charts };
}

function capital(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
