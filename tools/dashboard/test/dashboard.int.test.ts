import { cloud, freshDatabase } from "@etl/local-cloud/testing";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDashboard, createPostgresReader, type WarehouseReader } from "../src/index";
import { expectedOthers, expectedSales } from "./expected-figures";
import { emptyWarehouse, FIXTURE_RUNS, fillWarehouse } from "./fixture-warehouse";

let url: string;
let reader: WarehouseReader;

beforeAll(async () => {
  url = await freshDatabase("dash");
  await fillWarehouse(url);
  reader = createPostgresReader({ url });
});
afterAll(async () => {
  await reader.close();
});

const figure = (model: { figures: { id: string; value: number }[] }, id: string) =>
  model.figures.find((f) => f.id === id)?.value;

describe("the sales page", () => {
  it("shows the current version of every order, money per currency", async () => {
    const expected = await expectedSales(url);

    const { model } = await createDashboard({ reader }).page("sales", {});

    expect(model.problem).toBeUndefined();
    expect(figure(model, "facts")).toBe(240);
    expect(figure(model, "facts")).toBe(expected.orders);
    expect(figure(model, "quantity")).toBe(expected.units);
    for (const [currency, revenue] of Object.entries(expected.revenue))
      expect(figure(model, `money-${currency}`)).toBeCloseTo(revenue, 2);
    const months = model.charts.find((c) => c.id === "sales-by-month");
    for (const row of expected.byMonth) {
      const i = months?.labels.indexOf(row.month) ?? -1;
      const series = months?.series.find((s) => s.currency === row.currency);
      expect(series?.values[i]).toBeCloseTo(row.revenue, 2);
    }
    const staff = model.charts.find((c) => c.id === "sales-staff");
    expect(staff?.labels).toEqual(expected.byStaff.map((r) => r.staff));
    expect(staff?.series[0]?.values).toEqual(expected.byStaff.map((r) => r.units));
  });

  it("narrows to a currency and days, and ranks counterparties by revenue in that currency", async () => {
    const expected = await expectedSales(url, "EUR");

    const { model } = await createDashboard({ reader }).page("sales", { currency: "EUR" });
    const narrowed = await createDashboard({ reader }).page("sales", {
      from: "2026-04-01",
      to: "2026-04-30",
    });

    const top = model.charts.find((c) => c.id === "sales-counterparty");
    expect(top?.title).toBe("Top counterparties by revenue");
    expect(top?.labels).toEqual(expected.byCounterparty.map((r) => r.name));
    expect(top?.series[0]?.values).toEqual(expected.byCounterparty.map((r) => r.revenue));
    expect(model.figures.map((f) => f.id)).toEqual(["facts", "quantity", "money-EUR"]);
    expect(narrowed.model.charts.find((c) => c.id === "sales-by-month")?.labels).toEqual(["2026-04"]);
  });

  it("says what the ranking is when no currency is chosen", async () => {
    const { model } = await createDashboard({ reader }).page("sales", {});

    expect(model.charts.find((c) => c.id === "sales-design")?.title).toBe(
      "Top designs by units sold (choose a currency to rank by revenue)",
    );
  });
});

describe("the purchases, payments and pipeline pages", () => {
  it("match the warehouse", async () => {
    const expected = await expectedOthers(url);
    const dashboard = createDashboard({ reader });

    const purchases = (await dashboard.page("purchases", {})).model;
    const payments = (await dashboard.page("payments", {})).model;
    const pipeline = (await dashboard.page("pipeline", {})).model;

    for (const [c, spend] of Object.entries(expected.spend))
      expect(figure(purchases, `money-${c}`)).toBeCloseTo(spend, 2);
    for (const [c, paid] of Object.entries(expected.paid))
      expect(figure(payments, `money-${c}`)).toBeCloseTo(paid, 2);
    expect(figure(payments, "facts")).toBe(expected.payments);
    expect(figure(pipeline, "runs")).toBe(expected.runs);
    expect(figure(pipeline, "failed-runs")).toBe(expected.failedRuns);
    const perTable = pipeline.charts.find((c) => c.id === "rows-per-table");
    expect(
      Object.fromEntries((perTable?.labels ?? []).map((t, i) => [t, perTable?.series[0]?.values[i]])),
    ).toEqual(expected.rowsPerTable);
  });

  it("measures each run's latency from its ingest and from the changes it carried", async () => {
    const { model } = await createDashboard({ reader }).page("pipeline", {});

    const latency = model.charts.find((c) => c.id === "latency");
    expect(latency?.labels).toEqual([FIXTURE_RUNS[0].runId, FIXTURE_RUNS[1].runId]);
    // Run 1 ingested at 09:00:00 and committed at 09:00:40; run 2 at 09:00:00 and 09:00:30.
    expect(latency?.series[0]?.values).toEqual([40, 30]);
    // Run 2 carried the second versions, changed on 2026-03-02 from 08:00:30 to 08:55:30.
    expect(latency?.series[1]?.values[1]).toBe(5 * 60);
    expect(latency?.series[2]?.values[1]).toBe(60 * 60);
  });

  it("lists failures, dead letters, quarantine and schema drift from the records it is given, and says what is not recorded", async () => {
    const dashboard = createDashboard({
      reader,
      records: {
        failures: async () => [
          {
            at: "2026-03-03T09:01:00.000Z",
            stage: "load",
            runId: FIXTURE_RUNS[2].runId,
            error: "COPY failed",
          },
        ],
        deadLetters: async () => [
          { queue: "etl-load.fifo", count: 2 },
          { queue: "etl-transform", count: 0 },
        ],
        quarantined: async () => {
          throw new Error("bucket gone");
        },
        drift: async () => [
          {
            kind: "added-column",
            table: "sales_order",
            column: "discount_rate",
            type: "numeric",
            firstSeenAt: "2026-03-03T09:00:00.000Z",
            firstSeenRunId: FIXTURE_RUNS[2].runId,
          },
          {
            kind: "new-table",
            table: "loyalty",
            firstSeenAt: "2026-03-03T09:05:00.000Z",
            firstSeenRunId: FIXTURE_RUNS[2].runId,
          },
        ],
      },
    });

    const { model } = await dashboard.page("pipeline", {});

    const list = (id: string) => model.lists.find((l) => l.id === id);
    expect(list("failures")?.rows).toEqual([
      ["2026-03-03T09:00:04.000Z", "load", FIXTURE_RUNS[2].runId, "run", "ledger status FAILED"],
      ["2026-03-03T09:01:00.000Z", "load", FIXTURE_RUNS[2].runId, "", "COPY failed"],
    ]);
    expect(list("dead-letters")?.rows).toEqual([["etl-load.fifo", 2, null]]);
    expect(list("quarantine")?.empty).toBe("None recorded: not read here.");
    expect(list("drift")?.rows).toEqual([
      [
        "added column, ignored",
        "sales_order",
        "discount_rate",
        "numeric",
        "2026-03-03T09:00:00.000Z",
        FIXTURE_RUNS[2].runId,
      ],
      ["new table, not ingested", "loyalty", "", "", "2026-03-03T09:05:00.000Z", FIXTURE_RUNS[2].runId],
    ]);
    expect(model.notices).toEqual(["could not read the quarantined inputs: bucket gone"]);
    expect(figure(model, "dead-letters")).toBe(2);
  });
});

describe("a warehouse that cannot show figures", () => {
  it("an empty warehouse: each star says it is not loaded", async () => {
    const empty = await freshDatabase("dash_empty");
    await emptyWarehouse(empty);
    const emptyReader = createPostgresReader({ url: empty });

    const sales = (await createDashboard({ reader: emptyReader }).page("sales", {})).model;
    const pipeline = (await createDashboard({ reader: emptyReader }).page("pipeline", {})).model;
    await emptyReader.close();

    expect(sales.problem).toEqual({
      kind: "empty",
      message: "No sales orders are loaded yet: run `etl run` to load them.",
    });
    expect(pipeline.lists.find((l) => l.id === "runs")?.rows).toEqual([]);
    expect(pipeline.charts.every((c) => c.empty !== undefined)).toBe(true);
  });

  it("a database with no warehouse in it: says to run the pipeline", async () => {
    const bare = createPostgresReader({ url: await freshDatabase("dash_bare") });

    const { model } = await createDashboard({ reader: bare }).page("payments", {});
    await bare.close();

    expect(model.problem?.kind).toBe("missing");
    expect(model.problem?.message).toMatch(/no star schema yet .*run `etl run`/);
  });

  it("a dead database: says it does not answer, without the password", async () => {
    const dead = new URL(cloud().warehouseUrl);
    dead.port = "1";
    dead.password = "s3cret";
    const deadReader = createPostgresReader({ url: dead.toString() });

    const { model } = await createDashboard({ reader: deadReader }).page("sales", {});
    await deadReader.close();

    expect(model.problem?.kind).toBe("unreachable");
    expect(model.problem?.message).toMatch(/does not answer .*etl up/);
    expect(JSON.stringify(model)).not.toContain("s3cret");
  });
});

describe("the rollup's freshness", () => {
  it("shows the previous figures while a newer load is rolled up, then the new ones", async () => {
    const copy = await freshDatabase("dash_fresh");
    await fillWarehouse(copy);
    const copyReader = createPostgresReader({ url: copy });
    const dashboard = createDashboard({ reader: copyReader });
    await dashboard.warm();
    const client = new pg.Client({ connectionString: copy });
    await client.connect();
    await client.query("delete from warehouse.fact_sales_order where sales_order_id > 200");
    await client.query(
      "insert into etl.load_runs (run_id, target, status, started_at, finished_at) values ('20260304T090000000Z-00000004', 'postgres', 'FINISHED', now(), now())",
    );
    await client.end();

    const stale = (await dashboard.page("sales", {})).model;
    let fresh = (await dashboard.page("sales", {})).model;
    for (let i = 0; i < 50 && fresh.notices.length > 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      fresh = (await dashboard.page("sales", {})).model;
    }
    await copyReader.close();

    expect(figure(stale, "facts")).toBe(240);
    expect(stale.notices[0]).toMatch(/^A newer load was committed/);
    expect(figure(fresh, "facts")).toBe(200);
    expect(fresh.notices).toEqual([]);
  });
});

describe("the PostgreSQL reader", () => {
  it("runs every statement read-only", async () => {
    await expect(
      reader.query("insert into warehouse.dim_currency values (9, 'XXX', 'x', now())"),
    ).rejects.toThrow(/read-only transaction/);
  });

  it("binds values as parameters", async () => {
    const rows = await reader.query(
      "select currency_code from warehouse.dim_currency where currency_code = :code",
      {
        code: "GBP' or '1'='1",
      },
    );

    expect(rows).toEqual([]);
  });
});
