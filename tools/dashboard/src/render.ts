import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { CLIENT_SCRIPT } from "./client-script";
import { type Filters, filterQuery } from "./filters";
import {
  type ChartModel,
  type Figure,
  type ListModel,
  PAGE_TITLES,
  type PageId,
  type PageModel,
} from "./page-model";

export const PAGE_IDS: PageId[] = ["sales", "purchases", "payments", "pipeline"];

let chartJs: string | undefined;

/** Chart.js's own browser build, read once from where it is installed: the page needs no network. */
export function chartLibrary(): string {
  if (chartJs === undefined) {
    // The package exports no subpath for its UMD build: find it beside the main entry.
    const main = createRequire(import.meta.url).resolve("chart.js");
    chartJs = readFileSync(join(dirname(main), "chart.umd.min.js"), "utf8");
  }
  return chartJs;
}

/** Text safe inside HTML elements and double-quoted attributes. */
export function escapeHtml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

/** JSON safe inside a `<script>` element: no `</script>` or `<!--` can close it early. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replaceAll("<", "\\u003c")
    .replaceAll("\u2028", "\\u2028")
    .replaceAll("\u2029", "\\u2029");
}

const STYLE = `
:root { font-family: system-ui, sans-serif; color: #1a1a1a; background: #fafafa; }
body { margin: 0; }
header { background: #0b3954; color: #fff; padding: .75rem 1.5rem; display: flex; flex-wrap: wrap; gap: 1.5rem; align-items: center; }
header h1 { font-size: 1.1rem; margin: 0; }
nav a { color: #fff; margin-right: 1rem; text-decoration: none; padding: .25rem .5rem; border-radius: 4px; }
nav a[aria-current="page"] { background: #fff; color: #0b3954; font-weight: 600; }
form.filters { display: flex; gap: .75rem; align-items: end; flex-wrap: wrap; padding: .75rem 1.5rem; background: #eef2f5; }
form.filters label { display: flex; flex-direction: column; font-size: .8rem; }
main { padding: 1rem 1.5rem 3rem; max-width: 1200px; }
section.page > h2 { margin-top: 1.5rem; }
.figures { display: flex; flex-wrap: wrap; gap: 1rem; margin: 1rem 0; }
.figure { background: #fff; border: 1px solid #d0d7de; border-radius: 6px; padding: .5rem 1rem; min-width: 10rem; }
.figure .label { font-size: .8rem; color: #555; }
.figure .value { font-size: 1.4rem; font-weight: 600; }
.card { background: #fff; border: 1px solid #d0d7de; border-radius: 6px; padding: 1rem; margin: 1rem 0; }
.card h3 { margin: 0 0 .5rem; font-size: 1rem; }
.chart { position: relative; height: 320px; }
table { border-collapse: collapse; margin-top: .75rem; font-size: .85rem; }
th, td { border-bottom: 1px solid #e1e4e8; padding: .2rem .6rem; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
details summary { cursor: pointer; color: #0b3954; margin-top: .5rem; }
.notice { background: #fff8c5; border: 1px solid #d4a72c; padding: .5rem 1rem; border-radius: 6px; margin: .5rem 0; }
.problem { background: #ffebe9; border: 1px solid #cf222e; padding: 1rem; border-radius: 6px; font-size: 1.05rem; }
.empty { color: #555; font-style: italic; }
footer { color: #555; font-size: .8rem; padding: 0 1.5rem 2rem; }
`;

function figureHtml(f: Figure): string {
  return `<div class="figure" data-figure="${escapeHtml(f.id)}"><div class="label">${escapeHtml(f.label)}</div>
<div class="value" data-kind="${f.kind}" data-value="${f.value}"${f.currency ? ` data-currency="${escapeHtml(f.currency)}"` : ""}>${f.value}</div></div>`;
}

function cell(kind: string, value: string | number | null, currency?: string): string {
  if (value === null) return `<td class="${kind === "text" ? "" : "num"}"></td>`;
  const cls = kind === "text" || kind === "time" ? "" : ' class="num"';
  return `<td${cls} data-kind="${kind}" data-value="${escapeHtml(String(value))}"${currency ? ` data-currency="${escapeHtml(currency)}"` : ""}>${escapeHtml(String(value))}</td>`;
}

function chartHtml(chart: ChartModel): string {
  const head = `<tr><th>${escapeHtml(chart.labelHeader)}</th>${chart.series
    .map(
      (s) =>
        `<th>${escapeHtml(s.kind === "money" && s.name !== s.currency ? `${s.name} (${s.currency})` : s.name)}</th>`,
    )
    .join("")}</tr>`;
  const body = chart.labels
    .map(
      (label, i) =>
        `<tr><th scope="row" data-label-kind="${chart.labelKind}" data-label="${escapeHtml(label)}">${escapeHtml(label)}</th>${chart.series
          .map((s) => cell(s.kind, s.values[i] ?? null, s.currency))
          .join("")}</tr>`,
    )
    .join("\n");
  const drawing = chart.empty
    ? `<p class="empty">${escapeHtml(chart.empty)}</p>`
    : `<div class="chart"><canvas id="canvas-${escapeHtml(chart.id)}" role="img" aria-label="${escapeHtml(chart.title)}"></canvas></div>
<script type="application/json" data-chart>${scriptJson(chart)}</script>`;
  return `<div class="card" data-chart-id="${escapeHtml(chart.id)}"><h3>${escapeHtml(chart.title)}</h3>
${drawing}
${chart.empty ? "" : `<details open><summary>The numbers</summary><table data-table="${escapeHtml(chart.id)}"><thead>${head}</thead><tbody>${body}</tbody></table></details>`}
</div>`;
}

function listHtml(list: ListModel): string {
  if (list.rows.length === 0)
    return `<div class="card" data-list-id="${escapeHtml(list.id)}"><h3>${escapeHtml(list.title)}</h3><p class="empty">${escapeHtml(list.empty)}</p></div>`;
  const head = `<tr>${list.columns.map((c) => `<th>${escapeHtml(c.header)}</th>`).join("")}</tr>`;
  const body = list.rows
    .map((row) => `<tr>${row.map((v, i) => cell(list.columns[i]?.kind ?? "text", v)).join("")}</tr>`)
    .join("\n");
  return `<div class="card" data-list-id="${escapeHtml(list.id)}"><h3>${escapeHtml(list.title)}</h3><table data-table="${escapeHtml(list.id)}"><thead>${head}</thead><tbody>${body}</tbody></table></div>`;
}

/** One page's content: its problem, or its notices, figures, charts and lists. */
export function pageSection(model: PageModel): string {
  const parts = [
    `<section class="page" id="${model.id}" data-page="${model.id}"><h2>${escapeHtml(model.title)}</h2>`,
  ];
  for (const n of model.notices) parts.push(`<p class="notice">${escapeHtml(n)}</p>`);
  if (model.problem) {
    parts.push(
      `<p class="problem" role="alert" data-problem="${model.problem.kind}">${escapeHtml(model.problem.message)}</p>`,
    );
  } else {
    parts.push(`<div class="figures">${model.figures.map(figureHtml).join("")}</div>`);
    parts.push(...model.charts.map(chartHtml), ...model.lists.map(listHtml));
  }
  if (model.source) parts.push(`<p class="source">Source: ${escapeHtml(model.source)}</p>`);
  parts.push("</section>");
  return parts.join("\n");
}

function documentHtml(title: string, header: string, content: string, footer: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body>
${header}
<main>
${content}
</main>
<footer>${footer}</footer>
<script>${chartLibrary()}</script>
<script>${CLIENT_SCRIPT}</script>
</body></html>
`;
}

export interface LivePageOptions {
  filters: Filters;
  currencies: string[];
  /** Kept in every link and the filter form (the server's access token), when there is one. */
  token?: string;
}

/** A page as the server sends it: navigation and filters keep the query string. */
export function renderPage(model: PageModel, options: LivePageOptions): string {
  const { filters, token } = options;
  const query = (extra: Filters) => {
    const q = filterQuery(extra);
    if (!token) return q;
    return `${q ? `${q}&` : "?"}token=${encodeURIComponent(token)}`;
  };
  const nav = PAGE_IDS.map(
    (id) =>
      `<a href="/${id}${escapeHtml(query(filters))}"${id === model.id ? ' aria-current="page"' : ""}>${escapeHtml(PAGE_TITLES[id])}</a>`,
  ).join("");
  const currencies = ["", ...options.currencies]
    .map(
      (c) =>
        `<option value="${escapeHtml(c)}"${c === (filters.currency ?? "") ? " selected" : ""}>${c ? escapeHtml(c) : "all currencies"}</option>`,
    )
    .join("");
  const form =
    model.id === "pipeline"
      ? ""
      : `<form class="filters" method="get" action="/${model.id}">
<label>from <input type="date" name="from" value="${escapeHtml(filters.from ?? "")}"></label>
<label>to <input type="date" name="to" value="${escapeHtml(filters.to ?? "")}"></label>
<label>currency <select name="currency">${currencies}</select></label>
${token ? `<input type="hidden" name="token" value="${escapeHtml(token)}">` : ""}
<button type="submit">Apply</button> <a href="/${model.id}${escapeHtml(query({}))}">clear</a>
</form>`;
  const header = `<header><h1>ETL dashboard</h1><nav>${nav}</nav></header>${form}`;
  return documentHtml(
    `${model.title} · ETL dashboard`,
    header,
    pageSection(model),
    "Live from the warehouse; every query read-only.",
  );
}

/** Every page in one file, for mail or a ticket: the navigation jumps between sections. */
export function renderReport(models: PageModel[], options: { filters: Filters; writtenAt: string }): string {
  const nav = models.map((m) => `<a href="#${m.id}">${escapeHtml(m.title)}</a>`).join("");
  const f = options.filters;
  const scope = [
    f.from ? `from ${f.from}` : "",
    f.to ? `to ${f.to}` : "",
    f.currency ? `in ${f.currency} only` : "",
  ]
    .filter(Boolean)
    .join(", ");
  const header = `<header><h1>ETL report</h1><nav>${nav}</nav></header>`;
  return documentHtml(
    "ETL report",
    header,
    models.map(pageSection).join("\n"),
    `Written ${escapeHtml(options.writtenAt)}${scope ? `; figures ${escapeHtml(scope)}` : "; every day and currency"}. Works offline: everything it needs is in this file.`,
  );
}
