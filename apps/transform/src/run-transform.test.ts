import type { StageProgress } from "@etl/ops";
import { createMemoryAlerter, createMemoryAuditLog } from "@etl/ops/testing";
import { readParquet } from "@etl/s3-io/parquet";
import { createMemoryObjectStore, type MemoryObjectStore } from "@etl/s3-io/testing";
import {
  ProcessedRunManifestSchema,
  type QuarantinedRow,
  QuarantinedRowSchema,
  TransientError,
  toDimCounterparty,
  toDimCurrency,
  toDimLocation,
  toDimStaff,
  toFactSalesOrder,
} from "@etl/schemas";
import { describe, expect, it } from "vitest";
import { asRawTables, makeDataset } from "../test/support/dataset";
import { writeRawRun } from "../test/support/raw-run";
import { runTransform, type TransformDeps } from "./run-transform";

const INGEST = "ingest";
const PROCESSED = "processed";
const RUN_1 = "20240101T000000000Z-00000001";
const RUN_2 = "20240101T001500000Z-00000002";

function setup(store: MemoryObjectStore = createMemoryObjectStore(), partRows = 1000) {
  const audit = createMemoryAuditLog();
  const alerter = createMemoryAlerter();
  const deps: TransformDeps = {
    store,
    ingestBucket: INGEST,
    processedBucket: PROCESSED,
    partRows,
    audit,
    alerter,
    clock: () => new Date("2024-01-01T00:30:00.000Z"),
  };
  return { store, deps, audit, alerter };
}

async function manifestOf(store: MemoryObjectStore, runId: string) {
  const text = store.text(PROCESSED, `runs/${runId}.json`);
  return text === undefined ? undefined : ProcessedRunManifestSchema.parse(JSON.parse(text));
}

/** The held rows of the quarantine object `key`. */
function heldRows(store: MemoryObjectStore, key: string | undefined): QuarantinedRow[] {
  const text = key === undefined ? undefined : store.text(PROCESSED, key);
  return (text ?? "")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => QuarantinedRowSchema.parse(JSON.parse(l)));
}

async function rowsOf(store: MemoryObjectStore, runId: string, table: string) {
  const manifest = await manifestOf(store, runId);
  const rows = [];
  for (const file of manifest?.files.filter((f) => f.table === table) ?? []) {
    const object = store.objects(PROCESSED).find((o) => o.key === file.key);
    if (object) rows.push(...(await readParquet(object.body)));
  }
  return rows;
}

describe("runTransform", () => {
  it("turns a first run into every star table, files in load order, parts of partRows rows", async () => {
    const { store, deps, audit } = setup(undefined, 15);
    const data = makeDataset({ orders: 40 });
    await writeRawRun(store, INGEST, { runId: RUN_1, tables: asRawTables(data), partRows: 17 });

    const outcome = await runTransform({ runId: RUN_1 }, deps);

    expect(outcome.status).toBe("done");
    const manifest = await manifestOf(store, RUN_1);
    const tables = [...new Set(manifest?.files.map((f) => f.table))];
    expect(tables).toEqual([
      "dim_date",
      "dim_location",
      "dim_currency",
      "dim_design",
      "dim_staff",
      "dim_counterparty",
      "dim_payment_type",
      "dim_transaction",
      "fact_sales_order",
      "fact_purchase_order",
      "fact_payment",
    ]);
    expect(manifest?.files.filter((f) => f.table === "fact_sales_order").map((f) => f.rows)).toEqual([
      15, 15, 10,
    ]);
    expect(await rowsOf(store, RUN_1, "fact_sales_order")).toEqual(toFactSalesOrder(data.sales_order));
    expect(Object.keys(manifest?.state ?? {}).sort()).toEqual([
      "address",
      "counterparty",
      "currency",
      "department",
      "design",
      "payment_type",
      "staff",
    ]);
    expect(audit.items.filter((a) => a.key !== "-" && a.status === "FINISHED")).toHaveLength(
      (manifest?.files.length ?? 0) + 7 + 11,
    );
    expect(manifest?.counts).toContainEqual({
      table: "sales_order",
      read: 40,
      transformed: 40,
      quarantined: 0,
      deleted: 0,
    });
    expect(manifest?.quarantine).toBeUndefined();
    expect(audit.items.filter((a) => a.key === "-")).toEqual([
      expect.objectContaining({ status: "FINISHED", stage: "transform", runId: RUN_1 }),
    ]);
  });

  it("writes dim_date for every date the facts reference, agreed dates included", async () => {
    const { store, deps } = setup();
    const data = makeDataset({ orders: 5 });
    await writeRawRun(store, INGEST, { runId: RUN_1, tables: asRawTables(data) });

    await runTransform({ runId: RUN_1 }, deps);

    const dates = new Set((await rowsOf(store, RUN_1, "dim_date")).map((r) => r.date_id));
    for (const order of data.sales_order) {
      expect(dates).toContain(order.agreed_delivery_date);
      expect(dates).toContain(order.agreed_payment_date);
      expect(dates).toContain(order.created_at.slice(0, 10));
    }
    for (const payment of data.payment) expect(dates).toContain(payment.payment_date);
  });

  it("an incremental run writes exactly the dimension rows a changed address and department reach", async () => {
    const { store, deps } = setup();
    const data = makeDataset({ orders: 10 });
    await writeRawRun(store, INGEST, { runId: RUN_1, tables: asRawTables(data) });
    await runTransform({ runId: RUN_1 }, deps);
    const address = { ...data.address[2], city: "Leeds", last_updated: "2024-01-01 00:10:00.000000" };
    const department = {
      ...data.department[3],
      location: "Leeds",
      last_updated: "2024-01-01 00:10:00.000000",
    };
    await writeRawRun(store, INGEST, {
      runId: RUN_2,
      tables: { address: [address], department: [department] },
    });

    const outcome = await runTransform({ runId: RUN_2 }, deps);

    expect(outcome.status).toBe("done");
    const manifest = await manifestOf(store, RUN_2);
    expect([...new Set(manifest?.files.map((f) => f.table))]).toEqual([
      "dim_location",
      "dim_staff",
      "dim_counterparty",
    ]);
    expect(await rowsOf(store, RUN_2, "dim_location")).toEqual(toDimLocation([address as never]));
    const dependants = data.counterparty.filter((c) => c.legal_address_id === 3);
    expect(dependants.length).toBeGreaterThan(0);
    expect(await rowsOf(store, RUN_2, "dim_counterparty")).toEqual(
      toDimCounterparty(dependants, [...data.address.filter((a) => a.address_id !== 3), address as never]),
    );
    const members = data.staff.filter((s) => s.department_id === 4);
    expect(await rowsOf(store, RUN_2, "dim_staff")).toEqual(
      toDimStaff(members, [...data.department.filter((d) => d.department_id !== 4), department as never]),
    );
    const first = await manifestOf(store, RUN_1);
    expect(manifest?.state.currency).toEqual(first?.state.currency);
    expect(manifest?.state.address?.key).toMatch(
      new RegExp(`^state/address/${RUN_2}-[0-9a-f]{8}\\.jsonl\\.gz$`),
    );
  });

  it("a replay of a transformed run is skipped and changes nothing", async () => {
    const { store, deps, audit } = setup();
    await writeRawRun(store, INGEST, { runId: RUN_1, tables: asRawTables(makeDataset({ orders: 3 })) });
    await runTransform({ runId: RUN_1 }, { ...deps, clock: () => new Date("2024-01-01T00:20:00.000Z") });
    const before = store.objects(PROCESSED).map((o) => [o.key, o.etag]);

    const outcome = await runTransform({ runId: RUN_1 }, deps);

    expect(outcome.status).toBe("skipped");
    expect(store.objects(PROCESSED).map((o) => [o.key, o.etag])).toEqual(before);
    expect(audit.items.filter((a) => a.key === "-").map((a) => a.status)).toEqual(["FINISHED", "SKIPPED"]);
  });

  it("a replay after a failed manifest put commits a new attempt with the same content, and removes the first", async () => {
    const { store, deps } = setup();
    await writeRawRun(store, INGEST, { runId: RUN_1, tables: asRawTables(makeDataset({ orders: 3 })) });
    store.failNextPut(`runs/${RUN_1}.json`, new TransientError("S3 is down"));
    await expect(runTransform({ runId: RUN_1 }, deps)).rejects.toThrow("S3 is down");
    // The put may have landed for all the attempt knows, so it leaves its files to the next sweep.
    const first = store.objects(PROCESSED);
    expect(first.length).toBeGreaterThan(0);

    const outcome = await runTransform({ runId: RUN_1 }, deps);

    expect(outcome.status).toBe("done");
    const after = store.objects(PROCESSED).filter((o) => o.key !== `runs/${RUN_1}.json`);
    expect(after.map((o) => o.etag).sort()).toEqual(first.map((o) => o.etag).sort());
    expect(after.filter((o) => first.some((f) => f.key === o.key))).toEqual([]);
  });

  it("removes a crashed attempt's leftover under a key without attempt token (the earlier layout)", async () => {
    const { store, deps } = setup();
    await writeRawRun(store, INGEST, { runId: RUN_1, tables: asRawTables(makeDataset({ orders: 3 })) });
    const key = "star/dim_currency/2024/01/01/20240101T000000000Z-00000001-0001.parquet";
    await store.put(PROCESSED, key, "something else");

    const outcome = await runTransform({ runId: RUN_1 }, deps);

    expect(outcome.status).toBe("done");
    expect(store.text(PROCESSED, key)).toBeUndefined();
    expect(store.objects(PROCESSED).filter((o) => o.key.startsWith("star/dim_currency/"))).toHaveLength(1);
  });

  it.each([
    ["a line that is not JSON", { lines: ['{"sales_order_id": 1,'] }, 1, undefined, "invalid JSON"],
    ["a value of the wrong type", "wrong-type", 2, "units_sold", "expected number"],
    ["a missing column", "missing", 3, "unit_price", "missing column"],
  ])(
    "holds %s in quarantine with its raw line, file, line and column, and loads the rest",
    async (_name, kind, line, column, problem) => {
      const { store, deps, audit, alerter } = setup(undefined, 2);
      const data = makeDataset({ orders: 3 });
      const orders: object[] = data.sales_order.map((o) => ({ ...o }));
      if (kind === "wrong-type") orders[1] = { ...data.sales_order[1], units_sold: "many" };
      if (kind === "missing") {
        const { unit_price: _gone, ...rest } = data.sales_order[2] ?? {};
        orders[2] = rest;
      }
      const salesOrder = typeof kind === "string" ? orders : kind;
      await writeRawRun(store, INGEST, {
        runId: RUN_1,
        tables: { ...asRawTables(data), sales_order: salesOrder },
      });

      const outcome = await runTransform({ runId: RUN_1 }, deps);

      const key = "raw/sales_order/2024/01/01/20240101T000000000Z-00000001-0001.jsonl.gz";
      expect(outcome.status).toBe("done");
      const manifest = await manifestOf(store, RUN_1);
      const held = heldRows(store, manifest?.quarantine?.key);
      const raw = typeof kind === "string" ? JSON.stringify(orders[line - 1]) : '{"sales_order_id": 1,';
      expect(held).toEqual([
        expect.objectContaining({ runId: RUN_1, table: "sales_order", key, lineNumber: line, line: raw }),
      ]);
      expect(held[0]?.reason).toContain(`s3://${INGEST}/${key} line ${line}`);
      expect(held[0]?.reason).toContain(problem);
      if (column) expect(held[0]?.column).toBe(column);
      const kept = typeof kind === "string" ? data.sales_order.filter((_o, i) => i !== line - 1) : [];
      expect(await rowsOf(store, RUN_1, "fact_sales_order")).toEqual(toFactSalesOrder(kept));
      const read = typeof kind === "string" ? orders.length : 1;
      expect(manifest?.counts).toContainEqual({
        table: "sales_order",
        read,
        transformed: read - 1,
        quarantined: 1,
        deleted: 0,
      });
      expect(audit.items.find((a) => a.key === "counts/sales_order")).toMatchObject({
        counts: { read, quarantined: 1 },
      });
      expect(audit.failures).toEqual([]);
      expect(alerter.sent.map((a) => [a.alert.table, a.alert.key, a.alert.subject])).toEqual([
        ["sales_order", manifest?.quarantine?.key, "1 row(s) quarantined, the rest loads"],
      ]);
    },
  );

  it("holds a fact that refers to a currency no run has delivered", async () => {
    const { store, deps } = setup();
    const data = makeDataset({ orders: 2 });
    const orders = [{ ...data.sales_order[0], currency_id: 9 }, ...data.sales_order.slice(1)];
    await writeRawRun(store, INGEST, { runId: RUN_1, tables: { ...asRawTables(data), sales_order: orders } });

    const outcome = await runTransform({ runId: RUN_1 }, deps);

    expect(outcome.status).toBe("done");
    const held = heldRows(store, (await manifestOf(store, RUN_1))?.quarantine?.key);
    expect(held).toEqual([expect.objectContaining({ code: "MISSING_REFERENCE", column: "currency_id" })]);
    expect(held[0]?.reason).toContain("refers to currency 9");
    expect(await rowsOf(store, RUN_1, "fact_sales_order")).toEqual(
      toFactSalesOrder(data.sales_order.slice(1)),
    );
  });

  it("holds a member of staff whose department is missing, naming the ids, and writes the others", async () => {
    const { store, deps } = setup();
    const data = makeDataset({ orders: 1 });
    const staff = [...data.staff, { ...data.staff[0], staff_id: 99, department_id: 42 }];
    await writeRawRun(store, INGEST, { runId: RUN_1, tables: { ...asRawTables(data), staff } });

    const outcome = await runTransform({ runId: RUN_1 }, deps);

    expect(outcome.status).toBe("done");
    const held = heldRows(store, (await manifestOf(store, RUN_1))?.quarantine?.key);
    expect(held).toEqual([expect.objectContaining({ table: "staff", code: "MISSING_REFERENCE" })]);
    expect(held[0]?.reason).toContain("staff_id 99 (department_id 42)");
    expect(await rowsOf(store, RUN_1, "dim_staff")).toEqual(toDimStaff(data.staff, data.department));
  });

  it("holds an unknown currency with the facts of the run that refer to it; the next run is not blocked", async () => {
    const { store, deps, alerter } = setup();
    const data = makeDataset({ orders: 6 });
    const bad = { ...data.currency[0], currency_code: "XYZ" } as (typeof data.currency)[number];
    const currency = [bad, ...data.currency.slice(1)];
    const badId = bad.currency_id;
    await writeRawRun(store, INGEST, { runId: RUN_1, tables: { ...asRawTables(data), currency } });
    const next = { ...data.sales_order[0], sales_order_id: 1000, currency_id: data.currency[1]?.currency_id };
    await writeRawRun(store, INGEST, { runId: RUN_2, tables: { sales_order: [next] } });

    const first = await runTransform({ runId: RUN_1 }, deps);
    const second = await runTransform({ runId: RUN_2 }, deps);

    expect([first.status, second.status]).toEqual(["done", "done"]);
    const held = heldRows(store, (await manifestOf(store, RUN_1))?.quarantine?.key);
    const dependent = data.sales_order.filter((o) => o.currency_id === badId);
    const payments = data.payment.filter((p) => p.currency_id === badId);
    const purchases = data.purchase_order.filter((p) => p.currency_id === badId);
    expect(dependent.length).toBeGreaterThan(0);
    expect(held[0]).toMatchObject({ table: "currency", code: "UNKNOWN_CURRENCY" });
    expect(held.slice(1).every((h) => h.code === "HELD_REFERENCE")).toBe(true);
    expect(held.slice(1).map((h) => h.heldFor)).toEqual(
      Array(held.length - 1).fill({ table: "currency", id: badId }),
    );
    expect(held).toHaveLength(1 + dependent.length + payments.length + purchases.length);
    expect(await rowsOf(store, RUN_1, "dim_currency")).toEqual(toDimCurrency(data.currency.slice(1)));
    expect(await rowsOf(store, RUN_1, "fact_sales_order")).toEqual(
      toFactSalesOrder(data.sales_order.filter((o) => o.currency_id !== badId)),
    );
    expect(await rowsOf(store, RUN_2, "fact_sales_order")).toHaveLength(1);
    expect(alerter.sent.map((a) => a.alert.subject)).toEqual([
      `${held.length} row(s) quarantined, the rest loads`,
    ]);
  });

  it("takes a reference row older than the state's version as superseded, not formatted nor held", async () => {
    const { store, deps } = setup();
    const data = makeDataset({ orders: 2 });
    const first = data.currency[0];
    if (first === undefined) throw new Error("no currency");
    await writeRawRun(store, INGEST, { runId: RUN_1, tables: asRawTables(data) });
    const stale = { ...first, currency_code: "XYZ", last_updated: "2000-01-01 00:00:00.000000" };
    await writeRawRun(store, INGEST, { runId: RUN_2, tables: { currency: [stale] } });

    await runTransform({ runId: RUN_1 }, deps);
    const outcome = await runTransform({ runId: RUN_2 }, deps);

    expect(outcome.status).toBe("done");
    const manifest = await manifestOf(store, RUN_2);
    expect(manifest?.quarantine).toBeUndefined();
    expect(manifest?.counts).toEqual([
      { table: "currency", read: 1, transformed: 1, quarantined: 0, deleted: 0 },
    ]);
    expect(await rowsOf(store, RUN_2, "dim_currency")).toEqual(toDimCurrency([first]));
  });

  it("produces the same bytes for the same input", async () => {
    const first = setup();
    const second = setup();
    for (const { store } of [first, second]) {
      await writeRawRun(store, INGEST, { runId: RUN_1, tables: asRawTables(makeDataset({ orders: 20 })) });
    }

    await runTransform({ runId: RUN_1 }, first.deps);
    await runTransform({ runId: RUN_1 }, second.deps);

    const content = async (s: MemoryObjectStore) => {
      const manifest = await manifestOf(s, RUN_1);
      return [...(manifest?.files ?? []), ...Object.values(manifest?.state ?? {})].map(
        ({ key: _key, ...file }) => file,
      );
    };
    expect(await content(first.store)).toEqual(await content(second.store));
    expect((await content(first.store)).length).toBeGreaterThan(7);
  });
});

describe("runTransform reports progress", () => {
  it("tells the port each star table's expected rows, its rows a part at a time, and its end", async () => {
    const { store, deps } = setup(undefined, 15);
    const data = makeDataset({ orders: 40 });
    await writeRawRun(store, INGEST, { runId: RUN_1, tables: asRawTables(data), partRows: 17 });
    const calls: (string | number | undefined)[][] = [];
    const progress: StageProgress = {
      tableStarted: (table, expected) => calls.push(["started", table, expected]),
      rows: (table, rows) => calls.push(["rows", table, rows]),
      tableFinished: (table, rows) => calls.push(["finished", table, rows]),
    };

    const outcome = await runTransform({ runId: RUN_1 }, { ...deps, progress });

    const sales = calls.filter((c) => c[1] === "fact_sales_order");
    expect(sales).toEqual([
      ["started", "fact_sales_order", 40],
      ["rows", "fact_sales_order", 15],
      ["rows", "fact_sales_order", 30],
      ["rows", "fact_sales_order", 40],
      ["finished", "fact_sales_order", 40],
    ]);
    const finished = calls.filter((c) => c[0] === "finished").map((c) => [c[1], c[2]]);
    expect(outcome.status === "done" && outcome.tables.map((t) => [t.table, t.rows])).toEqual(finished);
    expect(calls.filter((c) => c[0] === "started")).toHaveLength(finished.length);
  });
});
