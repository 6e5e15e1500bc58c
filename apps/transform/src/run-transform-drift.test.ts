import { createMemoryAlerter, createMemoryAuditLog } from "@etl/ops/testing";
import { readParquet } from "@etl/s3-io/parquet";
import { createMemoryObjectStore, type MemoryObjectStore } from "@etl/s3-io/testing";
import { ProcessedRunManifestSchema, toDimDesign, toFactSalesOrder } from "@etl/schemas";
import { describe, expect, it } from "vitest";
import { asRawTables, makeDataset } from "../test/support/dataset";
import { writeRawRun } from "../test/support/raw-run";
import { runTransform, type TransformDeps } from "./run-transform";

const INGEST = "ingest";
const PROCESSED = "processed";
const RUN_1 = "20240101T000000000Z-00000001";
const DISCOUNT = { name: "discount_rate", type: "numeric" };
const COLOUR = { name: "colour", type: "character varying" };

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

async function rowsOf(store: MemoryObjectStore, table: string) {
  const text = store.text(PROCESSED, `runs/${RUN_1}.json`) ?? "{}";
  const manifest = ProcessedRunManifestSchema.parse(JSON.parse(text));
  const rows = [];
  for (const file of manifest.files.filter((f) => f.table === table)) {
    const object = store.objects(PROCESSED).find((o) => o.key === file.key);
    if (object) rows.push(...(await readParquet(object.body)));
  }
  return rows;
}

/** The dataset's raw tables, with a discount rate on every sales order and a colour on every design. */
function driftedTables(data: ReturnType<typeof makeDataset>, extra: Record<string, unknown> = {}) {
  const tables = asRawTables(data);
  return {
    ...tables,
    sales_order: data.sales_order.map((o, i) => ({ ...o, discount_rate: i % 2 ? "0.10" : null, ...extra })),
    design: data.design.map((d) => ({ ...d, colour: "red" })),
  };
}

describe("runTransform with columns added to the source", () => {
  it("ignores the columns the manifest declares and writes the star as without them", async () => {
    const { store, deps } = setup();
    const data = makeDataset({ orders: 30 });
    await writeRawRun(store, INGEST, {
      runId: RUN_1,
      tables: driftedTables(data),
      addedColumns: { sales_order: [DISCOUNT], design: [COLOUR] },
    });

    const outcome = await runTransform({ runId: RUN_1 }, deps);

    expect(outcome.status).toBe("done");
    expect(await rowsOf(store, "fact_sales_order")).toEqual(toFactSalesOrder(data.sales_order));
    expect(await rowsOf(store, "dim_design")).toEqual(toDimDesign(data.design));
  });

  it("still refuses a column nobody declared, naming it", async () => {
    const { store, deps } = setup();
    const data = makeDataset({ orders: 5 });
    await writeRawRun(store, INGEST, {
      runId: RUN_1,
      tables: driftedTables(data, { colour: "blue" }),
      addedColumns: { sales_order: [DISCOUNT], design: [COLOUR] },
    });

    const outcome = await runTransform({ runId: RUN_1 }, deps);

    expect(outcome).toMatchObject({ status: "failed", code: "BAD_RAW_ROW", table: "sales_order" });
    expect(outcome.status === "failed" ? outcome.error : "").toContain("colour: unknown column");
  });

  it("refuses an added column the manifest does not declare, as before", async () => {
    const { store, deps } = setup();
    const data = makeDataset({ orders: 5 });
    await writeRawRun(store, INGEST, {
      runId: RUN_1,
      tables: driftedTables(data),
      addedColumns: { design: [COLOUR] },
    });

    const outcome = await runTransform({ runId: RUN_1 }, deps);

    expect(outcome).toMatchObject({ status: "failed", code: "BAD_RAW_ROW", table: "sales_order" });
    expect(outcome.status === "failed" ? outcome.error : "").toContain("discount_rate: unknown column");
  });
});
