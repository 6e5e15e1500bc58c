import { randomUUID } from "node:crypto";
import { freshBucket, freshDatabase, localDynamoClient, localS3Client } from "@etl/local-cloud/testing";
import { ensureTables } from "@etl/ops/aws";
import { runManifestKey } from "@etl/s3-io";
import { type RunId, STAR_TABLE_NAMES, TransientError } from "@etl/schemas";
import { makeAddress, makeSalesOrder } from "@etl/schemas/testing";
import pg from "pg";
import { afterAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createLoadDeps, type LoadAppDeps } from "../../src/runs/deps";
import { createHandler } from "../../src/runs/handler";
import { runLoad } from "../../src/runs/run-load";
import { localLoadEnv } from "../support/local-load-env";
import {
  type PutRunOptions,
  putProcessedRun,
  s3Notification,
  sqsEvent,
  starRowsOf,
} from "../support/processed-run";

// handler.ts builds its deps from the environment when imported; the tests build their own.
vi.hoisted(() => {
  Object.assign(process.env, {
    PROCESSED_BUCKET: "placeholder-bucket",
    STATE_TABLE: "placeholder-state",
    AUDIT_TABLE: "placeholder-audit",
    FAILURE_TABLE: "placeholder-failures",
    WAREHOUSE_URL: "postgres://placeholder.invalid/warehouse",
  });
});

/**
 * Runs load in order, and a run loaded late cannot make a dimension older: address 1 moves to
 * CityA in run N and to CityB in run N+1; whatever order the loads are delivered in, the
 * warehouse ends as loading them in order leaves it.
 */

const BASE = "20261123T141500123Z-00000001" as RunId;
const N = "20261124T141500123Z-00000002" as RunId;
const N1 = "20261125T141500123Z-00000003" as RunId;

const s3 = localS3Client();
const dynamo = localDynamoClient();
const clients: pg.Client[] = [];

let bucket: string;
let tables: { audit: string; failure: string; state: string };

async function appFor(): Promise<{ app: LoadAppDeps; warehouse: pg.Client }> {
  const url = await freshDatabase("wh");
  const local = await localLoadEnv(dynamo, bucket, { WAREHOUSE_URL: url });
  tables = local.tables;
  const app = createLoadDeps(local.env);
  const warehouse = new pg.Client({ connectionString: url });
  await warehouse.connect();
  clients.push(warehouse);
  return { app, warehouse };
}

let app: LoadAppDeps;
let warehouse: pg.Client;

beforeEach(async () => {
  bucket = await freshBucket(s3, "processed");
  const suffix = randomUUID().slice(0, 8);
  tables = { audit: `audit-${suffix}`, failure: `failures-${suffix}`, state: `state-${suffix}` };
  await ensureTables(dynamo, tables);
  ({ app, warehouse } = await appFor());
});

afterAll(async () => {
  for (const c of clients) await c.end();
});

const moved = (city: string, lastUpdated: string) => [
  makeAddress({ address_id: 1, city, last_updated: lastUpdated }),
  makeAddress({ address_id: 2, address_line_2: "Flat 2", city: "Leeds" }),
];

/** The three runs; `withOrder: false` writes manifests as older transforms did (no previous run). */
async function putRuns(options: { withOrder?: boolean; tamperN?: PutRunOptions["tamper"] } = {}) {
  const order = options.withOrder ?? true;
  const previous = (id: RunId | null) => (order ? { previousRunId: id } : {});
  await putProcessedRun(app.load.store, bucket, BASE, starRowsOf(), previous(null));
  await putProcessedRun(
    app.load.store,
    bucket,
    N,
    starRowsOf({
      addresses: moved("CityA", "2022-11-05 10:00:00.000000"),
      salesOrders: [makeSalesOrder({ sales_order_id: 3 })],
    }),
    { ...previous(BASE), ...(options.tamperN ? { tamper: options.tamperN } : {}) },
  );
  await putProcessedRun(
    app.load.store,
    bucket,
    N1,
    starRowsOf({
      addresses: moved("CityB", "2022-11-06 10:00:00.000000"),
      salesOrders: [makeSalesOrder({ sales_order_id: 4 })],
    }),
    previous(N),
  );
}

/** Every star table's rows, in key order (surrogate ids included: they depend on the order). */
async function starState(client: pg.Client): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const table of STAR_TABLE_NAMES) {
    out[table] = (await client.query(`select * from warehouse.${table} order by 1, 2`)).rows;
  }
  return out;
}

/** What loading BASE, N, N+1 in order leaves in a fresh warehouse. */
async function inOrder(): Promise<Record<string, unknown[]>> {
  const other = await appFor();
  for (const runId of [BASE, N, N1]) {
    expect((await runLoad({ runId }, other.app.load)).status).toBe("loaded");
  }
  return starState(other.warehouse);
}

const cities = async (client: pg.Client) =>
  (
    await client.query(
      `select l.city, l.source_updated_at::text as location_at, c.counterparty_legal_city,
              c.source_updated_at::text as counterparty_at
         from warehouse.dim_location l, warehouse.dim_counterparty c
        where l.location_id = 1 and c.counterparty_id = 1`,
    )
  ).rows;

describe("load order on the local services (PostgreSQL warehouse)", () => {
  it("refuses run N+1 while run N is not loaded, then loads N and N+1 as if in order", async () => {
    await putRuns();
    await runLoad({ runId: BASE }, app.load);

    const waiting = await runLoad({ runId: N1 }, app.load).catch((e: unknown) => e);

    expect(waiting).toBeInstanceOf(TransientError);
    expect(waiting).toMatchObject({
      code: "PREVIOUS_RUN_NOT_LOADED",
      message: `run ${N1} waits for run ${N} to be loaded first`,
    });
    expect(await cities(warehouse)).toEqual([
      expect.objectContaining({ city: "New Patienceburgh", counterparty_legal_city: "New Patienceburgh" }),
    ]);
    const handler = createHandler(app);
    expect(await handler(sqsEvent(s3Notification(bucket, runManifestKey(N1))))).toEqual({
      batchItemFailures: [{ itemIdentifier: "m-1" }],
    });
    expect(await handler({ runId: N1 })).toMatchObject({ statusCode: 503 });

    expect((await runLoad({ runId: N }, app.load)).status).toBe("loaded");
    expect((await runLoad({ runId: N1 }, app.load)).status).toBe("loaded");

    expect(await cities(warehouse)).toEqual([
      {
        city: "CityB",
        location_at: "2022-11-06 10:00:00",
        counterparty_legal_city: "CityB",
        counterparty_at: "2022-11-06 10:00:00",
      },
    ]);
    expect(await starState(warehouse)).toEqual(await inOrder());
  });

  it("holds N+1 behind N, which failed on a corrupted file and blocks the load, then loads both once N is fixed and redriven", async () => {
    await putRuns({
      tamperN: (table, bytes) =>
        table === "dim_design" ? bytes.map((b, i) => (i === 100 ? b ^ 0xff : b)) : bytes,
    });
    await runLoad({ runId: BASE }, app.load);

    expect(await runLoad({ runId: N }, app.load)).toMatchObject({ status: "failed" });
    // N blocks the load (recorded in the state table): N+1 is acknowledged behind it, not retried.
    expect(await runLoad({ runId: N1 }, app.load)).toMatchObject({
      status: "blocked",
      error: expect.stringContaining(`waits behind run ${N}`),
    });

    // The fix: the file is put back as the transform wrote it; the run is redriven.
    await putProcessedRun(
      app.load.store,
      bucket,
      N,
      starRowsOf({
        addresses: moved("CityA", "2022-11-05 10:00:00.000000"),
        salesOrders: [makeSalesOrder({ sales_order_id: 3 })],
      }),
      { previousRunId: BASE },
    );
    expect((await runLoad({ runId: N }, app.load)).status).toBe("loaded");
    expect((await runLoad({ runId: N1 }, app.load)).status).toBe("loaded");

    expect(await starState(warehouse)).toEqual(await inOrder());
  });

  it("keeps the newer address when run N is loaded after N+1 without the order gate (older manifests)", async () => {
    await putRuns({ withOrder: false });
    await runLoad({ runId: BASE }, app.load);
    await runLoad({ runId: N1 }, app.load);

    expect((await runLoad({ runId: N }, app.load)).status).toBe("loaded");

    expect(await cities(warehouse)).toEqual([
      {
        city: "CityB",
        location_at: "2022-11-06 10:00:00",
        counterparty_legal_city: "CityB",
        counterparty_at: "2022-11-06 10:00:00",
      },
    ]);
    // Facts keep every version whatever the order: N's sales order is there too.
    const facts = await warehouse.query("select sales_order_id from warehouse.fact_sales_order order by 1");
    expect(facts.rows.map((r) => r.sales_order_id)).toEqual([1, 2, 3, 4]);
  });

  it("loads a run written before dimensions had source_updated_at (NULL), then a dated run replaces it", async () => {
    await putProcessedRun(app.load.store, bucket, BASE, starRowsOf(), {
      previousRunId: null,
      withoutSourceUpdatedAt: true,
    });
    await putProcessedRun(
      app.load.store,
      bucket,
      N,
      starRowsOf({ addresses: moved("CityA", "2022-11-05 10:00:00.000000") }),
      { previousRunId: BASE },
    );

    expect((await runLoad({ runId: BASE }, app.load)).status).toBe("loaded");
    const undated = await warehouse.query(
      "select count(*)::int as n, count(source_updated_at)::int as dated from warehouse.dim_location",
    );
    expect(undated.rows).toEqual([{ n: 2, dated: 0 }]);
    expect(await cities(warehouse)).toEqual([
      {
        city: "New Patienceburgh",
        location_at: null,
        counterparty_legal_city: "New Patienceburgh",
        counterparty_at: null,
      },
    ]);

    expect((await runLoad({ runId: N }, app.load)).status).toBe("loaded");
    expect(await cities(warehouse)).toEqual([
      {
        city: "CityA",
        location_at: "2022-11-05 10:00:00",
        counterparty_legal_city: "CityA",
        counterparty_at: "2022-11-05 10:00:00",
      },
    ]);
  });

  it("records rows read and rows written: a duplicate of a loaded run writes nothing", async () => {
    await putProcessedRun(app.load.store, bucket, BASE, starRowsOf(), { previousRunId: null });
    await putProcessedRun(app.load.store, bucket, N, starRowsOf(), { previousRunId: BASE });

    const first = await runLoad({ runId: BASE }, app.load);
    const duplicate = await runLoad({ runId: N }, app.load);

    expect(first).toMatchObject({ rows: 11, inserted: 11, updated: 0 });
    expect(duplicate).toMatchObject({ rows: 11, inserted: 0, updated: 0 });
    expect(duplicate.message).toBe(`run ${N} loaded: 7 files, 11 rows read, 0 inserted, 0 updated`);
    const runs = await warehouse.query(
      "select run_id, rows::int, inserted::int, updated::int from etl.load_runs order by run_id",
    );
    expect(runs.rows).toEqual([
      { run_id: BASE, rows: 11, inserted: 11, updated: 0 },
      { run_id: N, rows: 11, inserted: 0, updated: 0 },
    ]);
    const perTable = await warehouse.query(
      `select table_name, files, rows::int, inserted::int, updated::int
         from etl.loaded_tables where run_id = $1 order by table_name`,
      [N],
    );
    expect(perTable.rows).toHaveLength(7);
    expect(perTable.rows.every((r) => r.inserted === 0 && r.updated === 0 && r.rows > 0)).toBe(true);
  });
});
