import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RunningCloud, startLocalCloud } from "@etl/local-cloud";
import { type MotoServer, startMoto } from "@etl/local-cloud/testing";
import { seedDatabase } from "@etl/synthetic";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { etl } from "../integration/run-etl";

// `etl run` with an S3 that is not the local server (moto): no event spool to read, so new
// manifests must be found by listing, and the run must reach the warehouse.
let cloud: RunningCloud;
let moto: MotoServer;
let dataDir = "";
const saved = { ...process.env };

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "etl-run-moto-"));
  cloud = await startLocalCloud({ dataDir: join(dataDir, "cloud") });
  moto = await startMoto();
  delete process.env.ETL_LOCAL_S3;
  Object.assign(process.env, {
    DATABASE_URL: cloud.endpoints.databaseUrl,
    WAREHOUSE_URL: cloud.endpoints.warehouseUrl,
    S3_ENDPOINT: moto.endpoint,
    DYNAMODB_ENDPOINT: moto.endpoint,
    AWS_ACCESS_KEY_ID: moto.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: moto.credentials.secretAccessKey,
    AWS_REGION: moto.region,
  });
  await seedDatabase({ databaseUrl: cloud.endpoints.databaseUrl, seed: 5, scale: 100 });
}, 240_000);

afterAll(async () => {
  process.env = saved;
  await moto?.stop();
  await cloud?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("etl run on an S3 that is not the local server", () => {
  it("delivers the run's manifests by listing and loads the warehouse", async () => {
    const result = await etl("run", "--data-dir", join(dataDir, "run"));

    const warehouse = new pg.Client({ connectionString: cloud.endpoints.warehouseUrl });
    await warehouse.connect();
    const facts = await warehouse.query<{ n: string }>(
      "select count(*) as n from warehouse.fact_sales_order",
    );
    const runs = await warehouse.query<{ n: string }>(
      "select count(*) as n from etl.load_runs where status = 'FINISHED'",
    );
    await warehouse.end();
    expect(result.out + result.err).not.toMatch(/FAILED|DEAD-LETTERED|RETRY PENDING/);
    expect(result.code).toBe(0);
    expect(Number(facts.rows[0]?.n)).toBe(100);
    expect(Number(runs.rows[0]?.n)).toBe(1);
  }, 240_000);
});
