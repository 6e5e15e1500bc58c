import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RunningCloud, startLocalCloud } from "@etl/local-cloud";
import { seedDatabase } from "@etl/synthetic";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { etl } from "./run-etl";

let cloud: RunningCloud;
let dataDir = "";
const saved = { ...process.env };

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "etl-reset-"));
  cloud = await startLocalCloud({ dataDir });
  for (const key of ["DATABASE_URL", "WAREHOUSE_URL", "S3_ENDPOINT", "DYNAMODB_ENDPOINT"])
    delete process.env[key];
  await seedDatabase({ databaseUrl: cloud.endpoints.databaseUrl, seed: 3, scale: 100 });
}, 240_000);

afterAll(async () => {
  process.env = saved;
  await cloud?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("etl seed --reset", () => {
  it("resets the pipeline with the source, so the next run reads the new totesys whole", async () => {
    const first = await etl("run", "--data-dir", dataDir);
    expect(first.code).toBe(0);

    const reseeded = await etl("seed", "--reset", "--scale", "120", "--seed", "9", "--data-dir", dataDir);
    const second = await etl("run", "--data-dir", dataDir);

    const warehouse = new pg.Client({ connectionString: cloud.endpoints.warehouseUrl });
    await warehouse.connect();
    const facts = await warehouse.query<{ n: string }>(
      "select count(distinct sales_order_id) as n from warehouse.fact_sales_order",
    );
    const runs = await warehouse.query<{ n: string }>("select count(*) as n from etl.load_runs");
    await warehouse.end();
    expect(reseeded.code).toBe(0);
    expect(reseeded.out).toMatch(/pipeline state reset: .*the next `etl run` reads everything/);
    expect(second.code).toBe(0);
    expect(second.out).not.toMatch(/: 0 changed rows/);
    expect(Number(facts.rows[0]?.n)).toBe(120);
    expect(Number(runs.rows[0]?.n)).toBe(1);
  }, 240_000);
});

describe("etl run on an empty totesys", () => {
  it("says to seed first and exits 1", async () => {
    const oltp = new pg.Client({ connectionString: cloud.endpoints.databaseUrl });
    await oltp.connect();
    await oltp.query("create database unseeded");
    await oltp.end();
    const url = new URL(cloud.endpoints.databaseUrl);
    url.pathname = "/unseeded";
    Object.assign(process.env, {
      DATABASE_URL: url.toString(),
      WAREHOUSE_URL: cloud.endpoints.warehouseUrl,
      S3_ENDPOINT: cloud.endpoints.s3Endpoint,
      DYNAMODB_ENDPOINT: cloud.endpoints.dynamodbEndpoint,
      ETL_LOCAL_S3: "s3rver",
    });

    const outcome = await etl("run", "--data-dir", join(dataDir, "unseeded"));

    expect(outcome.code).toBe(1);
    expect(outcome.err).toMatch(/the totesys database has no tables yet: run `etl seed` first/);
  }, 120_000);
});
