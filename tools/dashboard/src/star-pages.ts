import type { Filters } from "./filters";
import type { ChartModel, Figure, PageModel, Series } from "./page-model";
import type { CutRollup, Snapshot, StarName } from "./snapshot";
import { PAGES } from "./star-page-specs";

const major = (cents: number) => Math.round(cents) / 100;

/** A number at an index known to be in range (`noUncheckedIndexedAccess` cannot know). */
const at0 = (values: ArrayLike<number>, index: number): number => values[index] ?? 0;

interface Totals {
  facts: number;
  quantity: number;
  /** Cents by currency index. */
  cents: number[];
}

const dayNumber = (day: string | undefined, fallback: number) =>
  day ? Number(day.replaceAll("-", "")) : fallback;

/** Sums of a cut's rows by a dense integer group: typed arrays, no object per row. */
interface Sums {
  size: number;
  facts: Float64Array;
  quantity: Float64Array;
  /** `cents[group * currencies + currency]`. */
  cents: Float64Array;
  seen: Uint8Array;
}

function sumBy(
  cut: CutRollup,
  size: number,
  groupOf: (row: number) => number,
  currencies: number,
  pass: (row: number) => boolean,
): Sums {
  const sums: Sums = {
    size,
    facts: new Float64Array(size),
    quantity: new Float64Array(size),
    cents: new Float64Array(size * currencies),
    seen: new Uint8Array(size),
  };
  for (let i = 0; i < cut.day.length; i++) {
    if (!pass(i)) continue;
    const g = groupOf(i);
    sums.seen[g] = 1;
    sums.facts[g] = at0(sums.facts, g) + at0(cut.facts, i);
    sums.quantity[g] = at0(sums.quantity, g) + at0(cut.quantity, i);
    const at = g * currencies + at0(cut.currency, i);
    sums.cents[at] = at0(sums.cents, at) + at0(cut.cents, i);
  }
  return sums;
}

function totalsOf(sums: Sums, g: number, currencies: number): Totals {
  return {
    facts: at0(sums.facts, g),
    quantity: at0(sums.quantity, g),
    cents: Array.from(sums.cents.subarray(g * currencies, (g + 1) * currencies)),
  };
}

/** The `k` groups of highest value, highest first (ties by label): one pass, no full sort. */
export function topGroups(
  sums: Sums,
  k: number,
  value: (g: number) => number,
  label: (g: number) => string,
): number[] {
  const top: number[] = [];
  const before = (a: number, b: number) => {
    const d = value(a) - value(b);
    if (d !== 0) return d > 0;
    return label(a) < label(b);
  };
  for (let g = 0; g < sums.size; g++) {
    if (!sums.seen[g]) continue;
    const last = top[top.length - 1];
    if (top.length >= k && last !== undefined && !before(g, last)) continue;
    let at = top.length;
    while (at > 0 && before(g, at0(top, at - 1))) at--;
    top.splice(at, 0, g);
    if (top.length > k) top.pop();
  }
  return top;
}

const monthOf = (day: number) =>
  `${String(Math.floor(day / 10000))}-${String(Math.floor(day / 100) % 100).padStart(2, "0")}`;

/**
 * A star's page from its rollup and the filters. Money is never added across currencies: every
 * money chart has a series per currency. A ranking by money with no currency chosen ranks by the
 * quantity instead, and says so in its title.
 */
export function starPage(star: StarName, snapshot: Snapshot, filters: Filters): PageModel {
  const page = PAGES[star];
  const base: PageModel = {
    id: star,
    title: page.title,
    figures: [],
    charts: [],
    lists: [],
    notices: [],
    source: "",
  };
  if (snapshot.facts[star] === 0) return { ...base, problem: { kind: "empty", message: page.none } };
  const rollup = snapshot.rollups[star];
  const from = dayNumber(filters.from, 0);
  const to = dayNumber(filters.to, 99_999_999);
  const only = filters.currency ? rollup.currencies.indexOf(filters.currency) : -1;
  const cutOf = (name: string) => rollup.cuts.find((c) => c.name === name);
  const passing = (cut: CutRollup) => (i: number) => {
    const day = at0(cut.day, i);
    return (
      day >= from &&
      day <= to &&
      (only < 0 || cut.currency[i] === only) &&
      (filters.currency === undefined || only >= 0)
    );
  };
  const totalCut = cutOf("total");
  const n = rollup.currencies.length;
  const months = new Map<string, Totals>();
  if (totalCut) {
    const monthIndex = new Map<number, number>();
    const monthKeys: number[] = [];
    const groupOf = (i: number) => {
      const m = Math.floor(at0(totalCut.day, i) / 100);
      let g = monthIndex.get(m);
      if (g === undefined) {
        g = monthKeys.push(m) - 1;
        monthIndex.set(m, g);
      }
      return g;
    };
    // Months are few: at most one group per day row, so the day count bounds the arrays.
    const sums = sumBy(totalCut, totalCut.day.length, groupOf, n, passing(totalCut));
    monthKeys.forEach((m, g) => {
      if (sums.seen[g]) months.set(monthOf(m * 100), totalsOf(sums, g, n));
    });
  }
  const shown = new Set<number>();
  if (totalCut) {
    const pass = passing(totalCut);
    for (let i = 0; i < totalCut.day.length; i++) if (pass(i)) shown.add(at0(totalCut.currency, i));
  }
  const currencies = [...shown].sort((a, b) =>
    (rollup.currencies[a] ?? "").localeCompare(rollup.currencies[b] ?? ""),
  );
  const all: Totals = { facts: 0, quantity: 0, cents: new Array<number>(n).fill(0) };
  for (const t of months.values()) {
    all.facts += t.facts;
    all.quantity += t.quantity;
    t.cents.forEach((c, i) => {
      all.cents[i] = at0(all.cents, i) + c;
    });
  }
  const code = (i: number) => rollup.currencies[i] ?? "?";
  const figures: Figure[] = [
    { id: "facts", label: page.facts, kind: "count", value: all.facts },
    ...(star === "payments"
      ? []
      : [{ id: "quantity", label: page.quantity, kind: "count" as const, value: all.quantity }]),
    ...currencies.map((c) => ({
      id: `money-${code(c)}`,
      label: `${page.money} (${code(c)})`,
      kind: "money" as const,
      currency: code(c),
      value: major(at0(all.cents, c)),
    })),
  ];
  const monthLabels = [...months.keys()].sort();
  const moneySeries = (labels: string[], of: Map<string, Totals>): Series[] =>
    currencies.map((c) => ({
      name: code(c),
      kind: "money",
      currency: code(c),
      values: labels.map((l) => {
        const t = of.get(l);
        return t === undefined ? null : major(at0(t.cents, c));
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
    const cut = cutOf(spec.cut);
    const by = spec.by === "money" && oneCurrency === undefined ? "quantity" : spec.by;
    const of = new Map<string, Totals>();
    if (cut) {
      const sums = sumBy(cut, cut.labels.length, (i) => at0(cut.key, i), n, passing(cut));
      const value = (g: number) =>
        by === "money"
          ? at0(sums.cents, g * n + (oneCurrency ?? 0))
          : by === "facts"
            ? at0(sums.facts, g)
            : at0(sums.quantity, g);
      for (const g of topGroups(sums, spec.top, value, (x) => cut.labels[x] ?? ""))
        of.set(cut.labels[g] ?? "", totalsOf(sums, g, n));
    }
    const labels = [...of.keys()];
    const measure = by === "money" ? page.money : by === "facts" ? page.facts : page.quantity;
    const series: Series[] =
      by === "money"
        ? moneySeries(labels, of)
        : [
            {
              name: measure,
              kind: "count",
              values: labels.map((l) =>
                by === "facts" ? (of.get(l)?.facts ?? 0) : (of.get(l)?.quantity ?? 0),
              ),
            },
          ];
    charts.push({
      id: `${star}-${spec.cut}`,
      title:
        spec.by === "money" && by !== "money"
          ? `${spec.title} by ${measure} (choose a currency to rank by ${page.money})`
          : `${spec.title} by ${measure}`,
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
