import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { ScanCommand } from "@aws-sdk/client-dynamodb";
import { DuckDBInstance } from "@duckdb/node-api";
import type { ObjectStore } from "@etl/s3-io";
import { readParquet } from "@etl/s3-io/parquet";
import {
  datesOf,
  type ProcessedRunManifest,
  ProcessedRunManifestSchema,
  QuarantinedRowSchema,
  STAR_TABLE_NAMES,
  type StarTable,
  toDimCounterparty,
  toDimCurrency,
  toDimDate,
  toDimDesign,
  toDimLocation,
  toDimPaymentType,
  toDimStaff,
  toDimTransaction,
  toFactPayment,
  toFactPurchaseOrder,
  toFactSalesOrder,
} from "@etl/schemas";
import { describe, expect, it } from "vitest";
import { runTransform, type TransformDeps } from "../../src/run-transform";
import { asRawTables, type Dataset, makeDataset } from "../support/dataset";
import { correctRawFile, writeRawRun } from "../support/raw-run";
import { crashAfterPut, gate, KILLED, withPutHooks } from "../support/store-wrappers";
import { localTransformDeps } from "./local-deps";

/** A DynamoDB item's string, number and boolean attributes as plain values. */
function plain(item: Record<string, AttributeValue>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(item).map(([k, v]) => [
      k,
      v.M ? plain(v.M) : (v.S ?? (v.N === undefined ? v.BOOL : Number(v.N))),
    ]),
  );
}

function at<T>(rows: readonly T[], index: number): T {
  const row = rows[index];
  if (row === undefined) throw new Error(`no row ${index}`);
  return row;
}

const RUN_1 = "20240101T000000000Z-00000001";
const RUN_2 = "20240101T001500000Z-00000002";

async function manifestOf(
  store: ObjectStore,
  bucket: string,
  runId: string,
): Promise<ProcessedRunManifest | undefined> {
  if ((await store.head(bucket, `runs/${runId}.json`)) === undefined) return undefined;
  const body = await store.get(bucket, `runs/${runId}.json`);
  return ProcessedRunManifestSchema.parse(JSON.parse(Buffer.from(body).toString("utf8")));
}

async function starRows(
  store: ObjectStore,
  bucket: string,
  manifest: ProcessedRunManifest | undefined,
  table: StarTable,
) {
  const rows = [];
  for (const file of manifest?.files.filter((f) => f.table === table) ?? []) {
    rows.push(...(await readParquet(await store.get(bucket, file.key))));
  }
  return rows;
}

async function keysOf(store: ObjectStore, bucket: string, prefix = "") {
  const keys: string[] = [];
  for await (const object of store.list(bucket, prefix)) keys.push(`${object.key} ${object.etag}`);
  return keys;
}

/** Every key a processed manifest lists: its star files, its state objects and its held rows. */
function listedFiles(manifest: ProcessedRunManifest | undefined) {
  const held = manifest?.quarantine ? [manifest.quarantine] : [];
  return [...(manifest?.files ?? []), ...Object.values(manifest?.state ?? {}), ...held];
}

/** The processed bucket holds the run's manifest and what it lists, each with its SHA-256. */
async function expectOnlyListed(deps: TransformDeps, runId: string) {
  const manifest = await manifestOf(deps.store, deps.processedBucket, runId);
  expect(manifest).toBeDefined();
  const keys = (await keysOf(deps.store, deps.processedBucket)).map((k) => k.split(" ")[0]);
  expect(keys).toEqual([...listedFiles(manifest).map((f) => f.key), `runs/${runId}.json`].sort());
  for (const file of listedFiles(manifest)) {
    const body = await deps.store.get(deps.processedBucket, file.key);
    const sha256 = createHash("sha256").update(body).digest("hex");
    expect({ key: file.key, sha256 }).toEqual({ key: file.key, sha256: file.sha256 });
  }
}

function expectedTables(data: Dataset) {
  const sales = toFactSalesOrder(data.sales_order);
  const purchases = toFactPurchaseOrder(data.purchase_order);
  const payments = toFactPayment(data.payment);
  return {
    dim_date: toDimDate([
      ...datesOf("fact_sales_order", sales),
      ...datesOf("fact_purchase_order", purchases),
      ...datesOf("fact_payment", payments),
    ]),
    dim_location: toDimLocation(data.address),
    dim_currency: toDimCurrency(data.currency),
    dim_design: toDimDesign(data.design),
    dim_staff: toDimStaff(data.staff, data.department),
    dim_counterparty: toDimCounterparty(data.counterparty, data.address),
    dim_payment_type: toDimPaymentType(data.payment_type),
    dim_transaction: toDimTransaction(data.transaction),
    fact_sales_order: sales,
    fact_purchase_order: purchases,
    fact_payment: payments,
  } satisfies Record<StarTable, object[]>;
}

describe("transform on the local services", () => {
  it("turns a seeded run into Parquet that reads back equal, row for row, to the formatters' output", async () => {
    const { deps } = await localTransformDeps(70);
    const data = makeDataset({ orders: 150 });
    await writeRawRun(deps.store, deps.ingestBucket, {
      runId: RUN_1,
      tables: asRawTables(data),
      partRows: 60,
    });

    const outcome = await runTransform({ runId: RUN_1 }, deps);

    expect(outcome.status).toBe("done");
    const manifest = await manifestOf(deps.store, deps.processedBucket, RUN_1);
    const expected = expectedTables(data);
    for (const table of STAR_TABLE_NAMES) {
      expect({ table, rows: await starRows(deps.store, deps.processedBucket, manifest, table) }).toEqual({
        table,
        rows: expected[table],
      });
    }
    expect(manifest?.files.filter((f) => f.table === "fact_sales_order").map((f) => f.rows)).toEqual([
      70, 70, 10,
    ]);
  });

  it("an incremental run produces exactly the dimension rows a changed address and department reach", async () => {
    const { deps } = await localTransformDeps();
    const data = makeDataset({ orders: 20 });
    await writeRawRun(deps.store, deps.ingestBucket, { runId: RUN_1, tables: asRawTables(data) });
    await runTransform({ runId: RUN_1 }, deps);
    const changedAt = "2024-01-01 00:10:00.123456";
    const address = { ...at(data.address, 4), address_line_1: "1 New Road", last_updated: changedAt };
    const department = { ...at(data.department, 3), location: "Leeds", last_updated: changedAt };
    await writeRawRun(deps.store, deps.ingestBucket, {
      runId: RUN_2,
      tables: { address: [address], department: [department] },
    });

    const outcome = await runTransform({ runId: RUN_2 }, deps);

    expect(outcome.status).toBe("done");
    const manifest = await manifestOf(deps.store, deps.processedBucket, RUN_2);
    const addresses = data.address.map((a) => (a.address_id === address.address_id ? address : a));
    const departments = data.department.map((d) =>
      d.department_id === department.department_id ? department : d,
    );
    const counterparties = data.counterparty.filter((c) => c.legal_address_id === address.address_id);
    const staff = data.staff.filter((s) => s.department_id === department.department_id);
    expect(counterparties.length).toBeGreaterThan(0);
    expect(staff.length).toBeGreaterThan(0);
    expect([...new Set(manifest?.files.map((f) => f.table))]).toEqual([
      "dim_location",
      "dim_staff",
      "dim_counterparty",
    ]);
    expect(await starRows(deps.store, deps.processedBucket, manifest, "dim_location")).toEqual(
      toDimLocation([address]),
    );
    expect(await starRows(deps.store, deps.processedBucket, manifest, "dim_counterparty")).toEqual(
      toDimCounterparty(counterparties, addresses),
    );
    expect(await starRows(deps.store, deps.processedBucket, manifest, "dim_staff")).toEqual(
      toDimStaff(staff, departments),
    );
  });

  it("a replay changes nothing, and a replay after a crash before the manifest commits the same content anew", async () => {
    const { deps } = await localTransformDeps(25);
    await writeRawRun(deps.store, deps.ingestBucket, {
      runId: RUN_1,
      tables: asRawTables(makeDataset({ orders: 60 })),
    });
    await runTransform({ runId: RUN_1 }, deps);
    const before = await keysOf(deps.store, deps.processedBucket);
    const content = async () =>
      (await manifestOf(deps.store, deps.processedBucket, RUN_1))?.files.map(({ key: _key, ...f }) => f);
    const committed = await content();

    const replay = await runTransform({ runId: RUN_1 }, deps);
    const afterReplay = await keysOf(deps.store, deps.processedBucket);
    await deps.store.delete(deps.processedBucket, `runs/${RUN_1}.json`);
    const rerun = await runTransform({ runId: RUN_1 }, deps);

    expect(replay.status).toBe("skipped");
    expect(afterReplay).toEqual(before);
    expect(rerun.status).toBe("done");
    expect(await content()).toEqual(committed);
    await expectOnlyListed(deps, RUN_1);
  });

  it.each([
    [
      "a bad JSON line",
      (lines: string[]) => lines.with(1, `${lines[1]?.slice(0, 30)}`),
      2,
      undefined,
      "invalid JSON",
    ],
    [
      "a wrong type",
      (lines: string[]) =>
        lines.with(2, (lines[2] ?? "").replace(/"unit_price":"[^"]*"/, '"unit_price":true')),
      3,
      "unit_price",
      "expected",
    ],
    [
      "a missing column",
      (lines: string[]) => lines.with(0, (lines[0] ?? "").replace(/"units_sold":\d+,/, "")),
      1,
      "units_sold",
      "missing column",
    ],
  ])(
    "holds %s in quarantine naming file, line and column: listed by the manifest, counted, audited, alerted; the rest loads",
    async (_name, spoil, line, column, problem) => {
      const { deps, dynamo, tables, alerts } = await localTransformDeps();
      const data = makeDataset({ orders: 5 });
      const lines = spoil(data.sales_order.map((o) => JSON.stringify(o)));
      await writeRawRun(deps.store, deps.ingestBucket, {
        runId: RUN_1,
        tables: { ...asRawTables(data), sales_order: { lines } },
      });

      const outcome = await runTransform({ runId: RUN_1 }, deps);

      const key = "raw/sales_order/2024/01/01/20240101T000000000Z-00000001-0001.jsonl.gz";
      expect(outcome.status).toBe("done");
      const manifest = await manifestOf(deps.store, deps.processedBucket, RUN_1);
      const heldKey = manifest?.quarantine?.key ?? "";
      const held = Buffer.from(await deps.store.get(deps.processedBucket, heldKey))
        .toString("utf8")
        .trim()
        .split("\n")
        .map((l) => QuarantinedRowSchema.parse(JSON.parse(l)));
      expect(held).toEqual([
        expect.objectContaining({
          runId: RUN_1,
          table: "sales_order",
          key,
          lineNumber: line,
          line: lines[line - 1],
        }),
      ]);
      expect(held[0]?.reason).toContain(`${key} line ${line}`);
      if (column) expect(held[0]?.column).toBe(column);
      expect(held[0]?.reason).toContain(problem);
      expect(await starRows(deps.store, deps.processedBucket, manifest, "fact_sales_order")).toEqual(
        toFactSalesOrder(data.sales_order.filter((_o, i) => i !== line - 1)),
      );
      await expectOnlyListed(deps, RUN_1);
      expect(await deps.store.head(deps.ingestBucket, key)).toBeDefined();
      const audit = (await dynamo.send(new ScanCommand({ TableName: tables.audit }))).Items?.map(plain);
      expect(audit).toContainEqual(
        expect.objectContaining({
          key: "counts/sales_order",
          counts: { read: 5, transformed: 4, quarantined: 1, deleted: 0 },
        }),
      );
      expect(audit).toContainEqual(expect.objectContaining({ key: "-", status: "FINISHED" }));
      const failures = (await dynamo.send(new ScanCommand({ TableName: tables.failure }))).Items ?? [];
      expect(failures).toEqual([]);
      expect(alerts().map((a) => a.subject)).toEqual([
        expect.stringMatching(/^ETL transform sales_order rows-.*: 1 row\(s\) quarantined, the rest loads$/),
      ]);
    },
  );

  it("writes Parquet DuckDB reads with DATE, DECIMAL(10,2) and integer types", async () => {
    const { deps } = await localTransformDeps();
    const data = makeDataset({ orders: 30 });
    await writeRawRun(deps.store, deps.ingestBucket, { runId: RUN_1, tables: asRawTables(data) });
    await runTransform({ runId: RUN_1 }, deps);
    const manifest = await manifestOf(deps.store, deps.processedBucket, RUN_1);
    const file = manifest?.files.find((f) => f.table === "fact_sales_order");
    const path = join(mkdtempSync(join(tmpdir(), "etl-duckdb-")), "fact_sales_order.parquet");
    writeFileSync(path, await deps.store.get(deps.processedBucket, file?.key ?? ""));
    const db = await DuckDBInstance.create(":memory:");
    const connection = await db.connect();

    const described = await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${path}')`);
    const totals = await connection.runAndReadAll(
      `SELECT count(*)::INTEGER AS n, sum(unit_price)::VARCHAR AS total, min(agreed_payment_date)::VARCHAR AS first FROM read_parquet('${path}')`,
    );
    connection.closeSync();

    const types = Object.fromEntries(
      described.getRowObjectsJson().map((r) => [r.column_name, r.column_type]),
    );
    expect(types).toMatchObject({
      sales_order_id: "INTEGER",
      created_date: "DATE",
      created_time: "VARCHAR",
      units_sold: "INTEGER",
      unit_price: "DECIMAL(10,2)",
      agreed_payment_date: "DATE",
      agreed_delivery_location_id: "INTEGER",
    });
    const facts = toFactSalesOrder(data.sales_order);
    const cents = facts.reduce((n, f) => n + Math.round(Number(f.unit_price) * 100), 0);
    const first = facts.map((f) => f.agreed_payment_date).sort()[0];
    expect(totals.getRowObjectsJson()).toEqual([{ n: 30, total: (cents / 100).toFixed(2), first }]);
  });
});

describe("retries and concurrent attempts on the local services", () => {
  const SALES_KEY = `raw/sales_order/2024/01/01/${RUN_1}-0001.jsonl.gz`;
  const isSalesPart = (key: string) => key.startsWith("star/fact_sales_order/");

  async function crashAfterFirstSalesPart(deps: TransformDeps): Promise<string[]> {
    const crashing = crashAfterPut(deps.store, isSalesPart);
    await expect(runTransform({ runId: RUN_1 }, { ...deps, store: crashing.store })).rejects.toThrow(KILLED);
    const left = (await keysOf(deps.store, deps.processedBucket)).map((k) => k.split(" ")[0] ?? "");
    expect(left.filter(isSalesPart)).toHaveLength(1);
    expect(await manifestOf(deps.store, deps.processedBucket, RUN_1)).toBeUndefined();
    return left;
  }

  it("a run whose attempt died after part 1 of fact_sales_order is replayed after a raw value was fixed", async () => {
    const { deps } = await localTransformDeps(20);
    const data = makeDataset({ orders: 50 });
    await writeRawRun(deps.store, deps.ingestBucket, { runId: RUN_1, tables: asRawTables(data) });
    const crashed = await crashAfterFirstSalesPart(deps);
    const fixed = data.sales_order.map((o, i) => (i === 3 ? { ...o, units_sold: 7777 } : o));
    await correctRawFile(
      deps.store,
      deps.ingestBucket,
      RUN_1,
      SALES_KEY,
      fixed.map((o) => JSON.stringify(o)),
    );

    const outcome = await runTransform({ runId: RUN_1 }, deps);

    expect(outcome.status).toBe("done");
    const manifest = await manifestOf(deps.store, deps.processedBucket, RUN_1);
    expect(await starRows(deps.store, deps.processedBucket, manifest, "fact_sales_order")).toEqual(
      toFactSalesOrder(fixed),
    );
    await expectOnlyListed(deps, RUN_1);
    expect(listedFiles(manifest).filter((f) => crashed.includes(f.key))).toEqual([]);
  });

  it("a run whose attempt died after part 1 of fact_sales_order is replayed by different code (PART_ROWS)", async () => {
    const { deps } = await localTransformDeps(20);
    const data = makeDataset({ orders: 50 });
    await writeRawRun(deps.store, deps.ingestBucket, { runId: RUN_1, tables: asRawTables(data) });
    const crashed = await crashAfterFirstSalesPart(deps);

    const outcome = await runTransform({ runId: RUN_1 }, { ...deps, partRows: 15 });

    expect(outcome.status).toBe("done");
    const manifest = await manifestOf(deps.store, deps.processedBucket, RUN_1);
    expect(manifest?.files.filter((f) => f.table === "fact_sales_order").map((f) => f.rows)).toEqual([
      15, 15, 15, 5,
    ]);
    expect(await starRows(deps.store, deps.processedBucket, manifest, "fact_sales_order")).toEqual(
      toFactSalesOrder(data.sales_order),
    );
    await expectOnlyListed(deps, RUN_1);
    expect(listedFiles(manifest).filter((f) => crashed.includes(f.key))).toEqual([]);
  });

  it("two attempts that wrote everything: the second manifest put loses, and only the winner's files stay", async () => {
    const { deps } = await localTransformDeps(20);
    await writeRawRun(deps.store, deps.ingestBucket, {
      runId: RUN_1,
      tables: asRawTables(makeDataset({ orders: 50 })),
    });
    const manifestKey = `runs/${RUN_1}.json`;
    const bothWritten = [gate(), gate()];
    const firstCommitted = gate();
    const attempt = (index: 0 | 1, partRows: number) => {
      const store = withPutHooks(deps.store, {
        async before(key) {
          if (key !== manifestKey) return;
          bothWritten[index]?.open();
          await Promise.all(bothWritten.map((g) => g.opened));
          if (index === 1) await firstCommitted.opened;
        },
        after(key) {
          if (key === manifestKey) firstCommitted.open();
        },
      });
      return runTransform({ runId: RUN_1 }, { ...deps, store, partRows });
    };

    const outcomes = await Promise.all([attempt(0, 20), attempt(1, 15)]);

    expect(outcomes.map((o) => o.status)).toEqual(["done", "skipped"]);
    const manifest = await manifestOf(deps.store, deps.processedBucket, RUN_1);
    expect(manifest?.files.filter((f) => f.table === "fact_sales_order").map((f) => f.rows)).toEqual([
      20, 20, 10,
    ]);
    await expectOnlyListed(deps, RUN_1);
  });

  it("an attempt still writing when another commits loses, and what it wrote before and after is removed", async () => {
    const { deps } = await localTransformDeps(20);
    const data = makeDataset({ orders: 50 });
    await writeRawRun(deps.store, deps.ingestBucket, { runId: RUN_1, tables: asRawTables(data) });
    const slowHasAPart = gate();
    const fastDone = gate();
    let held = false;
    const slow = withPutHooks(deps.store, {
      async before(key) {
        if (held || !isSalesPart(key)) return;
        held = true;
        slowHasAPart.open();
        await fastDone.opened;
      },
    });
    const fast = async () => {
      await slowHasAPart.opened;
      try {
        return await runTransform({ runId: RUN_1 }, { ...deps, partRows: 15 });
      } finally {
        fastDone.open();
      }
    };

    const outcomes = await Promise.all([runTransform({ runId: RUN_1 }, { ...deps, store: slow }), fast()]);

    expect(outcomes.map((o) => o.status)).toEqual(["skipped", "done"]);
    const manifest = await manifestOf(deps.store, deps.processedBucket, RUN_1);
    expect(manifest?.files.filter((f) => f.table === "fact_sales_order").map((f) => f.rows)).toEqual([
      15, 15, 15, 5,
    ]);
    expect(await starRows(deps.store, deps.processedBucket, manifest, "fact_sales_order")).toEqual(
      toFactSalesOrder(data.sales_order),
    );
    await expectOnlyListed(deps, RUN_1);
  });

  it("a replay once the manifest exists is skipped and changes nothing, even after the raw data changed", async () => {
    const { deps } = await localTransformDeps(20);
    const data = makeDataset({ orders: 50 });
    await writeRawRun(deps.store, deps.ingestBucket, { runId: RUN_1, tables: asRawTables(data) });
    await runTransform({ runId: RUN_1 }, deps);
    const before = await keysOf(deps.store, deps.processedBucket);
    const changed = data.sales_order.map((o, i) => (i === 3 ? { ...o, units_sold: 7777 } : o));
    await correctRawFile(
      deps.store,
      deps.ingestBucket,
      RUN_1,
      SALES_KEY,
      changed.map((o) => JSON.stringify(o)),
    );

    const outcome = await runTransform({ runId: RUN_1 }, { ...deps, partRows: 15 });

    expect(outcome.status).toBe("skipped");
    expect(await keysOf(deps.store, deps.processedBucket)).toEqual(before);
  });
});
