import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cloud, freshDatabase } from "@etl/local-cloud/testing";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  createDashboard,
  createPostgresReader,
  type RunningServer,
  startDashboardServer,
  type WarehouseReader,
  writeReportHtml,
} from "../src/index";
import { expectedOthers, expectedSales } from "./expected-figures";
import { emptyWarehouse, fillWarehouse } from "./fixture-warehouse";

const executablePath = inject("chromium");
/** Screenshots are the tests' artifacts: kept under .vitest/ (ignored by git, kept by CI). */
const SHOTS = join(import.meta.dirname, "..", ".vitest", "screenshots");
const LOCALE = "de-DE";

let browser: Browser;
const readers: WarehouseReader[] = [];
const servers: RunningServer[] = [];

async function serve(url: string): Promise<string> {
  const reader = createPostgresReader({ url });
  readers.push(reader);
  const server = await startDashboardServer({ dashboard: createDashboard({ reader }) });
  servers.push(server);
  return server.url.replace(/\/sales$/, "");
}

async function open(url: string): Promise<Page> {
  const context = await browser.newContext({ locale: LOCALE, viewport: { width: 1280, height: 900 } });
  // Offline: any request that leaves the dashboard's own server fails the test.
  const foreign: string[] = [];
  await context.route("**/*", (route) => {
    const target = route.request().url();
    if (target.startsWith("http://127.0.0.1") || target.startsWith("file:")) return route.continue();
    foreign.push(target);
    return route.abort();
  });
  const page = await context.newPage();
  await page.goto(url);
  await page.waitForSelector("body[data-ready=true]");
  expect(foreign).toEqual([]);
  return page;
}

async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/** The raw value and the text shown of a figure. */
async function figure(page: Page, id: string, scope = "") {
  const el = page.locator(`${scope} [data-figure="${id}"] .value`);
  return { value: Number(await el.getAttribute("data-value")), text: (await el.textContent()) ?? "" };
}

/** Every chart on the page is drawn, with the same numbers as the table under it. */
async function chartsMatchTables(page: Page, scope = ""): Promise<number> {
  const cards = await page
    .locator(`${scope} [data-chart-id]`)
    .evaluateAll((nodes) =>
      nodes.filter((n) => n.querySelector("canvas")).map((n) => n.getAttribute("data-chart-id") ?? ""),
    );
  for (const id of cards) {
    const drawn = await page.evaluate((chartId) => {
      const charts = (
        globalThis as unknown as {
          dashboard: { charts: Record<string, { data: { datasets: { data: (number | null)[] }[] } }> };
        }
      ).dashboard.charts;
      return charts[chartId]?.data.datasets.map((d) => d.data) ?? null;
    }, id);
    const table = await page
      .locator(`${scope} table[data-table="${id}"] tbody tr`)
      .evaluateAll((rows) =>
        rows.map((r) =>
          [...r.querySelectorAll("td")].map((td) =>
            td.hasAttribute("data-value") ? Number(td.getAttribute("data-value")) : null,
          ),
        ),
      );
    expect(drawn, id).not.toBeNull();
    const columns = (drawn ?? []).map((_, s) => table.map((row) => row[s] ?? null));
    expect(drawn, id).toEqual(columns);
  }
  return cards.length;
}

const money = (value: number, currency: string) =>
  new Intl.NumberFormat(LOCALE, { style: "currency", currency }).format(value);
const count = (value: number) => new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 2 }).format(value);

describe.skipIf(!executablePath)("the dashboard in a browser", () => {
  let url: string;
  let base: string;

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath, args: ["--no-sandbox", "--headless=new"] });
    url = await freshDatabase("dash_browser");
    await fillWarehouse(url);
    base = await serve(url);
  });
  afterAll(async () => {
    await browser?.close();
    for (const s of servers) await s.close();
    for (const r of readers) await r.close();
  });

  it("sales: every chart drawn, figures equal the SQL, in the reader's locale", async () => {
    const expected = await expectedSales(url);

    const page = await open(`${base}/sales`);
    await shot(page, "sales");

    const orders = await figure(page, "facts");
    expect(orders).toEqual({ value: expected.orders, text: count(expected.orders) });
    expect((await figure(page, "quantity")).value).toBe(expected.units);
    for (const [currency, revenue] of Object.entries(expected.revenue)) {
      const shown = await figure(page, `money-${currency}`);
      expect(shown.value).toBeCloseTo(revenue, 2);
      expect(shown.text).toBe(money(revenue, currency));
    }
    const staff = await page.locator('table[data-table="sales-staff"] tbody tr').evaluateAll((rows) =>
      rows.map((r) => ({
        staff: r.querySelector("th")?.textContent ?? "",
        units: Number(r.querySelector("td")?.getAttribute("data-value")),
      })),
    );
    expect(staff).toEqual(expected.byStaff);
    expect(await chartsMatchTables(page)).toBe(5);
    await page.context().close();
  });

  it("sales for one currency: the filter is in the URL and the form, and the figures follow it", async () => {
    const expected = await expectedSales(url, "USD");

    const page = await open(`${base}/sales`);
    await page.selectOption("select[name=currency]", "USD");
    await Promise.all([page.waitForURL(/currency=USD/), page.click("form.filters button")]);
    await page.waitForSelector("body[data-ready=true]");
    await shot(page, "sales-usd");

    expect(new URL(page.url()).searchParams.get("currency")).toBe("USD");
    expect(await page.locator("select[name=currency]").inputValue()).toBe("USD");
    expect((await figure(page, "facts")).value).toBe(expected.orders);
    expect((await figure(page, "money-USD")).value).toBeCloseTo(expected.revenue.USD ?? 0, 2);
    expect(await page.locator("[data-figure=money-GBP]").count()).toBe(0);
    const top = await page.locator('table[data-table="sales-counterparty"] tbody th').allTextContents();
    expect(top).toEqual(expected.byCounterparty.map((r) => r.name));
    expect(await page.locator('nav a[href^="/purchases"]').getAttribute("href")).toBe(
      "/purchases?currency=USD",
    );
    await page.context().close();
  });

  it("purchases, payments and pipeline health: drawn, and equal to the SQL", async () => {
    const expected = await expectedOthers(url);

    const purchases = await open(`${base}/purchases`);
    await shot(purchases, "purchases");
    const payments = await open(`${base}/payments`);
    await shot(payments, "payments");
    const pipeline = await open(`${base}/pipeline`);
    await shot(pipeline, "pipeline");

    for (const [c, spend] of Object.entries(expected.spend))
      expect((await figure(purchases, `money-${c}`)).value).toBeCloseTo(spend, 2);
    for (const [c, paid] of Object.entries(expected.paid))
      expect((await figure(payments, `money-${c}`)).text).toBe(money(paid, c));
    expect((await figure(pipeline, "runs")).value).toBe(expected.runs);
    expect((await figure(pipeline, "failed-runs")).value).toBe(expected.failedRuns);
    const perTable = await pipeline
      .locator('table[data-table="rows-per-table"] tbody tr')
      .evaluateAll((rows) =>
        rows.map((r) => [
          r.querySelector("th")?.getAttribute("data-label"),
          Number(r.querySelector("td")?.getAttribute("data-value")),
        ]),
      );
    expect(Object.fromEntries(perTable)).toEqual(expected.rowsPerTable);
    expect(await pipeline.locator('[data-list-id="drift"] .empty').textContent()).toBe(
      "None recorded: not read here.",
    );
    expect(await chartsMatchTables(purchases)).toBe(4);
    expect(await chartsMatchTables(payments)).toBe(4);
    expect(await chartsMatchTables(pipeline)).toBe(4);
    for (const p of [purchases, payments, pipeline]) await p.context().close();
  });

  it("the report: one file that opens offline with every page drawn", async () => {
    const reader = createPostgresReader({ url });
    const html = await writeReportHtml(createDashboard({ reader }));
    await reader.close();
    mkdirSync(SHOTS, { recursive: true });
    const file = join(SHOTS, "report.html");
    writeFileSync(file, html);
    const expected = await expectedSales(url);

    const page = await open(`file://${file}`);
    await shot(page, "report");

    // Nothing to fetch: no script, stylesheet or image from elsewhere (and `open` fails on any request).
    expect(/<script[^>]+src=|<link[^>]+href=|<img[^>]+src=/i.test(html)).toBe(false);
    expect((await figure(page, "facts", "#sales")).value).toBe(expected.orders);
    expect(await chartsMatchTables(page, "#sales")).toBe(5);
    expect(await chartsMatchTables(page, "#pipeline")).toBe(4);
    await page.context().close();
  });

  it("an empty warehouse: each page says what is missing", async () => {
    const empty = await freshDatabase("dash_browser_empty");
    await emptyWarehouse(empty);
    const emptyBase = await serve(empty);

    const page = await open(`${emptyBase}/sales`);
    await shot(page, "empty-warehouse");

    expect(await page.locator("[data-problem]").textContent()).toBe(
      "No sales orders are loaded yet: run `etl run` to load them.",
    );
    await page.context().close();
  });

  it("a dead database: the page says so, with no stack trace", async () => {
    const dead = new URL(cloud().warehouseUrl);
    dead.port = "1";
    const deadBase = await serve(dead.toString());

    const page = await open(`${deadBase}/pipeline`);
    await shot(page, "dead-database");

    expect(await page.locator("[data-problem=unreachable]").textContent()).toMatch(
      /^the warehouse does not answer \(ECONNREFUSED\): is it running\?/,
    );
    expect(await page.content()).not.toMatch(/at .+\.ts:\d+/);
    await page.context().close();
  });
});
