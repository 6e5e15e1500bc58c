import { createMemoryAlerter, createMemoryAuditLog } from "@etl/ops/testing";
import { readParquet } from "@etl/s3-io/parquet";
import { createMemoryObjectStore, type MemoryObjectStore } from "@etl/s3-io/testing";
import { ProcessedRunManifestSchema } from "@etl/schemas";
import { makeDepartment } from "@etl/schemas/testing";
import { describe, expect, it } from "vitest";
import { asRawTables, makeDataset } from "../test/support/dataset";
import { writeRawRun } from "../test/support/raw-run";
import { runTransform, type TransformDeps } from "./run-transform";

const INGEST = "ingest";
const PROCESSED = "processed";
const RUN_1 = "20240101T000000000Z-00000001";
const RUN_2 = "20240101T003000000Z-00000002";
const RUN_3 = "20240101T010000000Z-00000003";
const AT = "2024-01-03 09:15:00.500000";

function setup() {
  const store = createMemoryObjectStore();
  const deps: TransformDeps = {
    store,
    ingestBucket: INGEST,
    processedBucket: PROCESSED,
    partRows: 1000,
    audit: createMemoryAuditLog(),
    alerter: createMemoryAlerter(),
    clock: () => new Date("2024-01-01T00:30:00.000Z"),
  };
  return { store, deps };
}

function manifestOf(store: MemoryObjectStore, runId: string) {
  return ProcessedRunManifestSchema.parse(JSON.parse(store.text(PROCESSED, `runs/${runId}.json`) ?? "{}"));
}

async function rowsOf(store: MemoryObjectStore, runId: string, table: string) {
  const rows = [];
  for (const file of manifestOf(store, runId).files.filter((f) => f.table === table)) {
    const object = store.objects(PROCESSED).find((o) => o.key === file.key);
    if (object) rows.push(...(await readParquet(object.body)));
  }
  return rows;
}

describe("runTransform with rows deleted at the source", () => {
  it("declares each star table's deleted keys with the detection time, and writes the detection date", async () => {
    const { store, deps } = setup();
    await writeRawRun(store, INGEST, { runId: RUN_1, tables: asRawTables(makeDataset({ orders: 10 })) });
    await runTransform({ runId: RUN_1 }, deps);
    await writeRawRun(store, INGEST, {
      runId: RUN_2,
      tables: {},
      deleted: { sales_order: [7, 3], staff: [20], payment: [2], transaction: [5], department: [8] },
      databaseTime: AT,
    });

    const outcome = await runTransform({ runId: RUN_2 }, deps);

    expect(outcome.status).toBe("done");
    expect(manifestOf(store, RUN_2).deletions).toEqual([
      { table: "dim_staff", keys: [20], deletedAt: AT },
      { table: "dim_transaction", keys: [5], deletedAt: AT },
      { table: "fact_sales_order", keys: [3, 7], deletedAt: AT },
      { table: "fact_payment", keys: [2], deletedAt: AT },
    ]);
    expect(await rowsOf(store, RUN_2, "dim_date")).toEqual([
      expect.objectContaining({ date_id: "2024-01-03" }),
    ]);
    expect(manifestOf(store, RUN_2).files.map((f) => f.table)).toEqual(["dim_date"]);
  });

  it("drops deleted reference rows from its state, so a later change cannot bring them back", async () => {
    const { store, deps } = setup();
    const data = makeDataset({ orders: 10 });
    await writeRawRun(store, INGEST, { runId: RUN_1, tables: asRawTables(data) });
    await runTransform({ runId: RUN_1 }, deps);
    await writeRawRun(store, INGEST, {
      runId: RUN_2,
      tables: {},
      deleted: { staff: [20] },
      databaseTime: AT,
    });
    await runTransform({ runId: RUN_2 }, deps);
    // Staff 20 was in department 4: a change to it rebuilds every member still there.
    await writeRawRun(store, INGEST, {
      runId: RUN_3,
      tables: {
        department: [
          makeDepartment({
            department_id: 4,
            department_name: "Dispatch",
            location: "Leeds",
            last_updated: "2024-01-04 00:00:00.000000",
          }),
        ],
      },
    });

    await runTransform({ runId: RUN_3 }, deps);

    const staff = (await rowsOf(store, RUN_3, "dim_staff")).map((r) => r.staff_id);
    expect(staff).toEqual([4, 12]);
    expect(manifestOf(store, RUN_2).state.staff?.rows).toBe(19);
  });

  it("refuses a deletions file whose checksum differs from the manifest's", async () => {
    const { store, deps } = setup();
    await writeRawRun(store, INGEST, { runId: RUN_1, tables: asRawTables(makeDataset({ orders: 10 })) });
    await runTransform({ runId: RUN_1 }, deps);
    const raw = await writeRawRun(store, INGEST, { runId: RUN_2, tables: {}, deleted: { staff: [20] } });
    await store.put(INGEST, raw.deletions?.[0]?.file.key ?? "", "tampered");

    const outcome = await runTransform({ runId: RUN_2 }, deps);

    expect(outcome.status).toBe("failed");
  });
});
