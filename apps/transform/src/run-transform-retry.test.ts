import { createHash } from "node:crypto";
import { createMemoryAlerter, createMemoryAuditLog } from "@etl/ops/testing";
import { ObjectExistsError, type ObjectStore } from "@etl/s3-io";
import { readParquet } from "@etl/s3-io/parquet";
import { createMemoryObjectStore, type MemoryObjectStore } from "@etl/s3-io/testing";
import {
  type ProcessedRunManifest,
  ProcessedRunManifestSchema,
  TransientError,
  toFactSalesOrder,
} from "@etl/schemas";
import { describe, expect, it } from "vitest";
import { asRawTables, makeDataset } from "../test/support/dataset";
import { correctRawFile, writeRawRun } from "../test/support/raw-run";
import { crashAfterPut, KILLED } from "../test/support/store-wrappers";
import { runTransform, type TransformDeps } from "./run-transform";

const INGEST = "ingest";
const PROCESSED = "processed";
const RUN_1 = "20240101T000000000Z-00000001";
const RUN_2 = "20240101T001500000Z-00000002";
const MANIFEST = `runs/${RUN_1}.json`;
const SALES_KEY = `raw/sales_order/2024/01/01/${RUN_1}-0001.jsonl.gz`;

function setup(partRows: number) {
  const store = createMemoryObjectStore();
  const deps: TransformDeps = {
    store,
    ingestBucket: INGEST,
    processedBucket: PROCESSED,
    partRows,
    audit: createMemoryAuditLog(),
    alerter: createMemoryAlerter(),
    clock: () => new Date("2024-01-01T00:30:00.000Z"),
  };
  return { store, deps };
}

function manifestOf(store: MemoryObjectStore): ProcessedRunManifest | undefined {
  const text = store.text(PROCESSED, MANIFEST);
  return text === undefined ? undefined : ProcessedRunManifestSchema.parse(JSON.parse(text));
}

/** Every key the manifest lists: star files and state objects. */
function listedKeys(manifest: ProcessedRunManifest | undefined): string[] {
  return [...(manifest?.files ?? []), ...Object.values(manifest?.state ?? {})].map((f) => f.key);
}

const keysOf = (store: MemoryObjectStore) => store.objects(PROCESSED).map((o) => o.key);

/** The processed bucket holds the manifest and exactly what it lists, each with its SHA-256. */
function expectOnlyListed(store: MemoryObjectStore) {
  const manifest = manifestOf(store);
  expect(manifest).toBeDefined();
  expect(keysOf(store)).toEqual([...listedKeys(manifest), MANIFEST].sort());
  for (const file of [...(manifest?.files ?? []), ...Object.values(manifest?.state ?? {})]) {
    const object = store.objects(PROCESSED).find((o) => o.key === file.key);
    const sha256 = object ? createHash("sha256").update(object.body).digest("hex") : "missing";
    expect({ key: file.key, sha256 }).toEqual({ key: file.key, sha256: file.sha256 });
  }
}

async function salesRows(store: MemoryObjectStore) {
  const rows = [];
  for (const file of manifestOf(store)?.files.filter((f) => f.table === "fact_sales_order") ?? []) {
    const object = store.objects(PROCESSED).find((o) => o.key === file.key);
    if (object) rows.push(...(await readParquet(object.body)));
  }
  return rows;
}

/** A store whose manifest put lands, and then reports `failure` (the response was lost). */
function manifestPutLandsThenFails(store: ObjectStore, failure: Error): ObjectStore {
  return {
    ...store,
    async put(bucket, key, body, options) {
      const info = await store.put(bucket, key, body, options);
      if (key === MANIFEST) throw failure;
      return info;
    },
  };
}

/** Runs an attempt that dies right after it stored the first part of fact_sales_order. */
async function crashAfterFirstSalesPart(deps: TransformDeps): Promise<string[]> {
  const crashing = crashAfterPut(deps.store, (key) => key.startsWith("star/fact_sales_order/"));
  await expect(runTransform({ runId: RUN_1 }, { ...deps, store: crashing.store })).rejects.toThrow(KILLED);
  expect(crashing.crashed).toBe(true);
  return (deps.store as MemoryObjectStore).objects(PROCESSED).map((o) => o.key);
}

describe("runTransform after a crashed attempt", () => {
  it("a replay after a raw value was fixed replaces the crashed attempt's parts", async () => {
    const { store, deps } = setup(4);
    const data = makeDataset({ orders: 10 });
    await writeRawRun(store, INGEST, { runId: RUN_1, tables: asRawTables(data) });
    const crashed = await crashAfterFirstSalesPart(deps);
    expect(crashed.filter((k) => k.startsWith("star/fact_sales_order/"))).toHaveLength(1);
    expect(manifestOf(store)).toBeUndefined();
    const fixed = data.sales_order.map((o, i) => (i === 0 ? { ...o, unit_price: "123.45" } : o));
    await correctRawFile(
      store,
      INGEST,
      RUN_1,
      SALES_KEY,
      fixed.map((o) => JSON.stringify(o)),
    );

    const outcome = await runTransform({ runId: RUN_1 }, deps);

    expect(outcome.status).toBe("done");
    expect(await salesRows(store)).toEqual(toFactSalesOrder(fixed));
    expectOnlyListed(store);
    expect(keysOf(store).filter((k) => crashed.includes(k))).toEqual([]);
  });

  it("a replay with different code (another part size) replaces the crashed attempt's parts", async () => {
    const { store, deps } = setup(4);
    const data = makeDataset({ orders: 10 });
    await writeRawRun(store, INGEST, { runId: RUN_1, tables: asRawTables(data) });
    const crashed = await crashAfterFirstSalesPart(deps);

    const outcome = await runTransform({ runId: RUN_1 }, { ...deps, partRows: 3 });

    expect(outcome.status).toBe("done");
    expect(
      manifestOf(store)
        ?.files.filter((f) => f.table === "fact_sales_order")
        .map((f) => f.rows),
    ).toEqual([3, 3, 3, 1]);
    expect(await salesRows(store)).toEqual(toFactSalesOrder(data.sales_order));
    expectOnlyListed(store);
    expect(keysOf(store).filter((k) => crashed.includes(k))).toEqual([]);
  });

  it("two concurrent attempts of one run (even with different code) commit one manifest and leave nothing else", async () => {
    const { store, deps } = setup(4);
    const data = makeDataset({ orders: 10 });
    await writeRawRun(store, INGEST, { runId: RUN_1, tables: asRawTables(data) });

    const outcomes = await Promise.all([
      runTransform({ runId: RUN_1 }, deps),
      runTransform({ runId: RUN_1 }, { ...deps, partRows: 3 }),
    ]);

    expect(outcomes.map((o) => o.status).sort()).toEqual(["done", "skipped"]);
    expect(await salesRows(store)).toEqual(toFactSalesOrder(data.sales_order));
    expectOnlyListed(store);
  });

  it("a replay once the manifest exists changes nothing, even after the raw data changed", async () => {
    const { store, deps } = setup(4);
    const data = makeDataset({ orders: 10 });
    await writeRawRun(store, INGEST, { runId: RUN_1, tables: asRawTables(data) });
    await runTransform({ runId: RUN_1 }, deps);
    const before = store.objects(PROCESSED).map((o) => [o.key, o.etag]);
    const changed = data.sales_order.map((o, i) => (i === 0 ? { ...o, unit_price: "123.45" } : o));
    await correctRawFile(
      store,
      INGEST,
      RUN_1,
      SALES_KEY,
      changed.map((o) => JSON.stringify(o)),
    );

    const outcome = await runTransform({ runId: RUN_1 }, { ...deps, partRows: 3 });

    expect(outcome.status).toBe("skipped");
    expect(store.objects(PROCESSED).map((o) => [o.key, o.etag])).toEqual(before);
  });

  it("a replay of a run whose winner died after its manifest removes the crashed attempts' leftovers", async () => {
    const { store, deps } = setup(4);
    const data = makeDataset({ orders: 10 });
    await writeRawRun(store, INGEST, { runId: RUN_1, tables: asRawTables(data) });
    const crashed = await crashAfterFirstSalesPart(deps);
    const winner = crashAfterPut(store, (key) => key === MANIFEST);
    // Dead after its manifest put: whatever it reports, it cannot remove anything any more.
    await runTransform({ runId: RUN_1 }, { ...deps, store: winner.store }).catch(() => undefined);
    expect(winner.crashed).toBe(true);
    const committed = manifestOf(store);
    expect(committed).toBeDefined();
    expect(keysOf(store).filter((k) => crashed.includes(k)).length).toBeGreaterThan(0);
    const listed = store.objects(PROCESSED).filter((o) => listedKeys(committed).includes(o.key));

    const outcome = await runTransform({ runId: RUN_1 }, deps);

    expect(outcome.status).toBe("skipped");
    expectOnlyListed(store);
    expect(store.objects(PROCESSED).filter((o) => o.key !== MANIFEST)).toEqual(listed);
  });

  it("a failing attempt removes what it wrote, and leaves another attempt's objects alone", async () => {
    const { store, deps } = setup(4);
    const data = makeDataset({ orders: 10 });
    await writeRawRun(store, INGEST, { runId: RUN_1, tables: asRawTables(data) });
    const crashed = await crashAfterFirstSalesPart(deps);
    store.failNextPut(/^star\/fact_purchase_order\//);

    await expect(runTransform({ runId: RUN_1 }, deps)).rejects.toThrow("injected put failure");

    expect(keysOf(store)).toEqual(crashed);
  });

  it("a manifest put retried after its lost response (412) is this attempt's own: done, nothing removed", async () => {
    const { store, deps } = setup(4);
    await writeRawRun(store, INGEST, { runId: RUN_1, tables: asRawTables(makeDataset({ orders: 10 })) });
    const lost = new ObjectExistsError({ operation: "put", bucket: PROCESSED, key: MANIFEST });

    const outcome = await runTransform(
      { runId: RUN_1 },
      { ...deps, store: manifestPutLandsThenFails(store, lost) },
    );

    expect(outcome.status).toBe("done");
    expectOnlyListed(store);
  });

  it("a manifest put that failed but landed keeps every listed file, and the replay is skipped", async () => {
    const { store, deps } = setup(4);
    await writeRawRun(store, INGEST, { runId: RUN_1, tables: asRawTables(makeDataset({ orders: 10 })) });
    const failing = manifestPutLandsThenFails(store, new TransientError("S3 timed out"));

    await expect(runTransform({ runId: RUN_1 }, { ...deps, store: failing })).rejects.toThrow("S3 timed out");
    expectOnlyListed(store);
    const replay = await runTransform({ runId: RUN_1 }, deps);

    expect(replay.status).toBe("skipped");
    expectOnlyListed(store);
  });

  it("never overwrites a key of its attempt that another attempt wrote: retryable, the object stays", async () => {
    const { store, deps } = setup(1000);
    await writeRawRun(store, INGEST, { runId: RUN_1, tables: asRawTables(makeDataset({ orders: 3 })) });
    const key = "star/dim_currency/2024/01/01/20240101T000000000Z-00000001-0000000a-0001.parquet";
    await store.put(PROCESSED, key, "something else");

    const attempt = runTransform({ runId: RUN_1 }, { ...deps, attemptToken: () => "0000000a" });

    await expect(attempt).rejects.toMatchObject({ code: "OUTPUT_CONFLICT", retryable: true, key });
    expect(store.text(PROCESSED, key)).toBe("something else");
    expect(store.objects(PROCESSED).map((o) => o.key)).toEqual([key]);
  });

  it("waits (retryable) until the previous run is transformed", async () => {
    const { store, deps } = setup(1000);
    const data = makeDataset({ orders: 3 });
    await writeRawRun(store, INGEST, { runId: RUN_1, tables: asRawTables(data) });
    await writeRawRun(store, INGEST, { runId: RUN_2, tables: { address: [data.address[0] ?? {}] } });

    const attempt = runTransform({ runId: RUN_2 }, deps);

    await expect(attempt).rejects.toMatchObject({ retryable: true, code: "PREVIOUS_RUN_PENDING" });
    await expect(attempt).rejects.toThrow(`run ${RUN_1} must be transformed first`);
    expect(store.objects(PROCESSED)).toEqual([]);
  });
});
