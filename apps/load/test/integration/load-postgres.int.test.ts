import { readFileSync } from "node:fs";
import { DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { freshBucket, freshDatabase, localDynamoClient, localS3Client } from "@etl/local-cloud/testing";
import type { StageProgress } from "@etl/ops";
import { runManifestKey } from "@etl/s3-io";
import { TransientError } from "@etl/schemas";
import { makeAddress, makeSalesOrder } from "@etl/schemas/testing";
import pg from "pg";
import { afterAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createLoadDeps, type LoadAppDeps } from "../../src/runs/deps";
import { createHandler } from "../../src/runs/handler";
import { runLoad } from "../../src/runs/run-load";
import { localLoadEnv } from "../support/local-load-env";
import {
  eventBridgeObjectCreated,
  putProcessedRun,
  s3Notification,
  sqsEvent,
  starRowsOf,
} from "../support/processed-run";

// handler.ts builds its deps from the environment when imported (as Lambda's cold start does);
// the tests build their own from `createLoadDeps`, so a placeholder environment is enough here.
vi.hoisted(() => {
  Object.assign(process.env, {
    PROCESSED_BUCKET: "placeholder-bucket",
    STATE_TABLE: "placeholder-state",
    AUDIT_TABLE: "placeholder-audit",
    FAILURE_TABLE: "placeholder-failures",
    WAREHOUSE_URL: "postgres://placeholder.invalid/warehouse",
  });
});

const RUN_1 = "20261123T141500123Z-00000001";
const RUN_2 = "20261124T141500123Z-00000002";

const s3 = localS3Client();
const dynamo = localDynamoClient();
const doc = DynamoDBDocumentClient.from(dynamo);
const clients: pg.Client[] = [];

let app: LoadAppDeps;
let handler: ReturnType<typeof createHandler>;
let warehouse: pg.Client;
let bucket: string;
let tables: { audit: string; failure: string; state: string };
let alertFile: string;

beforeEach(async () => {
  bucket = await freshBucket(s3, "processed");
  const url = await freshDatabase("wh");
  const local = await localLoadEnv(dynamo, bucket, { WAREHOUSE_URL: url });
  ({ tables, alertFile } = local);
  app = createLoadDeps(local.env);
  handler = createHandler(app);
  warehouse = new pg.Client({ connectionString: url });
  await warehouse.connect();
  clients.push(warehouse);
});

afterAll(async () => {
  for (const c of clients) await c.end();
});

async function snapshot(): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const t of [
    "warehouse.dim_date",
    "warehouse.dim_location",
    "warehouse.dim_staff",
    "warehouse.dim_counterparty",
    "warehouse.fact_sales_order",
    "etl.loaded_files",
    "etl.load_runs",
  ]) {
    out[t] = (await warehouse.query(`select xmin::text as version, * from ${t} order by 2, 3`)).rows;
  }
  return out;
}

const count = async (table: string) =>
  (await warehouse.query(`select count(*)::int as n from ${table}`)).rows[0].n as number;

async function auditItems(runId: string) {
  const out = await doc.send(
    new QueryCommand({
      TableName: tables.audit,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": `load#${runId}` },
    }),
  );
  return out.Items ?? [];
}

describe("the load handler on the local services (PostgreSQL warehouse)", () => {
  it("loads a run announced by an S3 notification, creating the warehouse on first use", async () => {
    await putProcessedRun(app.load.store, bucket, RUN_1, starRowsOf());

    const response = await handler(sqsEvent(s3Notification(bucket, runManifestKey(RUN_1))));

    expect(response).toEqual({ batchItemFailures: [] });
    expect(await count("warehouse.dim_location")).toBe(2);
    expect(await count("warehouse.fact_sales_order")).toBe(2);
    const run = await warehouse.query(
      "select status, files, rows::int from etl.load_runs where run_id = $1",
      [RUN_1],
    );
    expect(run.rows).toEqual([{ status: "FINISHED", files: 7, rows: 11 }]);
  });

  it("reports progress per table to a port: the manifest's rows, the rows per file, the table's end", async () => {
    await putProcessedRun(app.load.store, bucket, RUN_1, starRowsOf());
    const calls: (string | number | undefined)[][] = [];
    const progress: StageProgress = {
      tableStarted: (table, expected) => calls.push(["started", table, expected]),
      rows: (table, rows, step) => calls.push(["rows", table, rows, step]),
      tableFinished: (table, rows) => calls.push(["finished", table, rows]),
    };

    const outcome = await runLoad({ runId: RUN_1 }, { ...app.load, progress });
    const again = calls.length;
    await runLoad({ runId: RUN_1 }, { ...app.load, progress });

    expect(outcome.status).toBe("loaded");
    // Tables are staged on parallel connections, so their calls interleave; each table's own
    // calls come in order, and the tables finish in load order.
    const tables = outcome.tables ?? [];
    expect(tables).toHaveLength(7);
    for (const t of tables)
      expect(calls.filter((c) => c[1] === t.table)).toEqual([
        ["started", t.table, t.rows],
        ["rows", t.table, t.rows, "merging"],
        ["finished", t.table, t.rows],
      ]);
    expect(calls.filter((c) => c[0] === "finished").map((c) => c[1])).toEqual(tables.map((t) => t.table));
    expect(calls).toHaveLength(21);
    expect(calls).toHaveLength(again);
  });

  it("changes nothing when the same run arrives again", async () => {
    await putProcessedRun(app.load.store, bucket, RUN_1, starRowsOf());
    await handler(sqsEvent(s3Notification(bucket, runManifestKey(RUN_1))));
    const before = await snapshot();

    const response = await handler(sqsEvent(eventBridgeObjectCreated(bucket, runManifestKey(RUN_1))));

    expect(response).toEqual({ batchItemFailures: [] });
    expect(await snapshot()).toEqual(before);
    const items = await auditItems(RUN_1);
    expect(
      items
        .filter((i) => i.key === "-")
        .map((i) => i.status)
        .sort(),
    ).toEqual(["FINISHED", "SKIPPED"]);
  });

  it("adds a fact row for a second version of a sales order and keeps the first", async () => {
    await putProcessedRun(app.load.store, bucket, RUN_1, starRowsOf());
    await handler({ runId: RUN_1 });
    const changed = makeSalesOrder({
      sales_order_id: 1,
      units_sold: 7,
      last_updated: "2022-11-04 09:30:00.250000",
    });
    await putProcessedRun(app.load.store, bucket, RUN_2, starRowsOf({ salesOrders: [changed] }));

    const response = await handler({ runId: RUN_2 });

    expect(response).toMatchObject({ statusCode: 200 });
    const versions = await warehouse.query(
      `select units_sold, last_updated_date::text, last_updated_time::text from warehouse.fact_sales_order
        where sales_order_id = 1 order by sales_record_id`,
    );
    expect(versions.rows).toEqual([
      { units_sold: 42972, last_updated_date: "2022-11-03", last_updated_time: "14:20:52.186" },
      { units_sold: 7, last_updated_date: "2022-11-04", last_updated_time: "09:30:00.25" },
    ]);
  });

  it("updates dim_location and dim_counterparty when an address changes", async () => {
    await putProcessedRun(app.load.store, bucket, RUN_1, starRowsOf());
    await handler({ runId: RUN_1 });
    const moved = [
      makeAddress({
        address_id: 1,
        address_line_1: "1 Canal Street",
        postal_code: "M1 3HE",
        last_updated: "2022-11-05 10:00:00",
      }),
      makeAddress({ address_id: 2, address_line_2: "Flat 2", city: "Leeds" }),
    ];
    await putProcessedRun(app.load.store, bucket, RUN_2, starRowsOf({ addresses: moved }));

    await handler({ runId: RUN_2 });

    const location = await warehouse.query(
      "select address_line_1, postal_code from warehouse.dim_location where location_id = 1",
    );
    const counterparty = await warehouse.query(
      `select counterparty_legal_address_line_1, counterparty_legal_postal_code
         from warehouse.dim_counterparty where counterparty_id = 1`,
    );
    expect(location.rows).toEqual([{ address_line_1: "1 Canal Street", postal_code: "M1 3HE" }]);
    expect(counterparty.rows).toEqual([
      { counterparty_legal_address_line_1: "1 Canal Street", counterparty_legal_postal_code: "M1 3HE" },
    ]);
  });

  it("leaves the warehouse unchanged when a failure comes between two tables, then a replay succeeds", async () => {
    await putProcessedRun(app.load.store, bucket, RUN_1, starRowsOf());
    await handler({ runId: RUN_1 });
    const before = await snapshot();
    const moved = [
      makeAddress({ address_id: 1, address_line_1: "1 Canal Street", last_updated: "2022-11-05 10:00:00" }),
    ];
    const manifest = await putProcessedRun(
      app.load.store,
      bucket,
      RUN_2,
      starRowsOf({ addresses: moved, salesOrders: [makeSalesOrder({ sales_order_id: 3 })] }),
    );
    const counterpartyKey = manifest.files.find((f) => f.table === "dim_counterparty")?.key;
    const failing = {
      ...app.load.store,
      async get(b: string, key: string) {
        if (key === counterpartyKey) throw new TransientError("connection reset by peer");
        return app.load.store.get(b, key);
      },
    };

    const failure = await runLoad({ runId: RUN_2 }, { ...app.load, store: failing }).catch((e) => e);

    expect(failure).toBeInstanceOf(TransientError);
    expect(await snapshot()).toEqual(before);
    const failed = await auditItems(RUN_2);
    expect(failed.find((i) => i.key === counterpartyKey)).toMatchObject({
      status: "FAILED",
      table: "dim_counterparty",
    });

    const replay = await handler(sqsEvent(s3Notification(bucket, runManifestKey(RUN_2))));

    expect(replay).toEqual({ batchItemFailures: [] });
    expect(await count("warehouse.fact_sales_order")).toBe(3);
    const location = await warehouse.query(
      "select address_line_1 from warehouse.dim_location where location_id = 1",
    );
    expect(location.rows[0].address_line_1).toBe("1 Canal Street");
  });

  it("writes one audit item per file per attempt on the local DynamoDB, and the run's", async () => {
    const manifest = await putProcessedRun(app.load.store, bucket, RUN_1, starRowsOf(), {
      parts: { fact_sales_order: 2 },
    });

    await handler({ runId: RUN_1 });

    const items = await auditItems(RUN_1);
    const files = items.filter((i) => i.key !== "-");
    expect(files.map((i) => i.key).sort()).toEqual(manifest.files.map((f) => f.key).sort());
    for (const file of manifest.files) {
      expect(files.find((i) => i.key === file.key)).toMatchObject({
        stage: "load",
        status: "FINISHED",
        table: file.table,
        bucket,
        size: file.bytes,
        rows: file.rows,
        etag: expect.stringMatching(/^"?[0-9a-f]{32}"?$/),
        durationMs: expect.any(Number),
      });
    }
    expect(items.find((i) => i.key === "-")).toMatchObject({ status: "FINISHED", rows: 11 });
  });

  it("acknowledges a run with a corrupted file after recording the failure, and alerts that it blocks the load", async () => {
    await putProcessedRun(app.load.store, bucket, RUN_1, starRowsOf(), {
      tamper: (table, bytes) =>
        table === "dim_design" ? bytes.map((b, i) => (i === 100 ? b ^ 0xff : b)) : bytes,
    });

    const response = await handler(sqsEvent(s3Notification(bucket, runManifestKey(RUN_1))));

    expect(response).toEqual({ batchItemFailures: [] });
    expect(await count("warehouse.dim_date")).toBe(0);
    const failures = await doc.send(
      new QueryCommand({
        TableName: tables.failure,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": `load#${RUN_1}` },
      }),
    );
    expect(failures.Items?.[0]).toMatchObject({ retryable: false, table: "dim_design" });
    expect(String(failures.Items?.[0]?.error)).toMatch(
      /dim_design .+: sha256 [0-9a-f]{64} differs from the manifest's/,
    );
    const alerts = readFileSync(alertFile, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(alerts[0].subject).toMatch(
      /^ETL load dim_design .+-0001\.parquet: BLOCKING \(CHECKSUM_MISMATCH\)$/,
    );
    expect(alerts[0].message.detail.blocked).toContain(`load blocked since run ${RUN_1}`);
  });

  it("answers a direct invocation with a status code and a message", async () => {
    await putProcessedRun(app.load.store, bucket, RUN_1, starRowsOf());

    const loaded = await handler({ runId: RUN_1 });
    const again = await handler({ runId: RUN_1 });
    const missing = await handler({ runId: RUN_2 });

    expect(loaded).toEqual({
      statusCode: 200,
      message: `run ${RUN_1} loaded: 7 files, 11 rows read, 11 inserted, 0 updated`,
    });
    expect(again).toEqual({ statusCode: 200, message: `run ${RUN_1} was already loaded: nothing changed` });
    expect(missing).toMatchObject({ statusCode: 422 });
  });
});
