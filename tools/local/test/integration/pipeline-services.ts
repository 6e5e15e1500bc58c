import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cloud, freshDatabase } from "@etl/local-cloud/testing";
import { seedDatabase } from "@etl/synthetic";
import pg from "pg";
import { afterAll, beforeAll } from "vitest";

/**
 * A test file's own pipeline on the test cloud: a totesys seeded at 100 orders, an empty
 * warehouse, buckets and tables named `<prefix>-...-<id>` and a data folder, set in the
 * environment the `etl` commands read and restored after the file. Returns what the tests name in
 * their expectations (`warehouseUrl` once the file's setup ran).
 */
export function usePipelineServices(prefix: string, seed: number) {
  const saved = { ...process.env };
  const id = randomUUID().slice(0, 8);
  const world = {
    dir: mkdtempSync(join(tmpdir(), `etl-${prefix}-`)),
    names: {
      INGEST_BUCKET: `${prefix}-ingest-${id}`,
      PROCESSED_BUCKET: `${prefix}-processed-${id}`,
      LANDING_BUCKET: `${prefix}-landing-${id}`,
      STATE_TABLE: `${prefix}-state-${id}`,
      AUDIT_TABLE: `${prefix}-audit-${id}`,
      FAILURE_TABLE: `${prefix}-failures-${id}`,
    },
    warehouseUrl: "",
  };
  beforeAll(async () => {
    const c = cloud();
    const databaseUrl = await freshDatabase(prefix);
    world.warehouseUrl = await freshDatabase(`${prefix}wh`);
    await seedDatabase({ databaseUrl, seed, scale: 100 });
    Object.assign(process.env, {
      DATABASE_URL: databaseUrl,
      WAREHOUSE_URL: world.warehouseUrl,
      S3_ENDPOINT: c.s3Endpoint,
      DYNAMODB_ENDPOINT: c.dynamodbEndpoint,
      ETL_DATA_DIR: world.dir,
      ...world.names,
    });
  });
  afterAll(() => {
    process.env = saved;
    rmSync(world.dir, { recursive: true, force: true });
  });
  return world;
}

/** The run ids in the warehouse's ledger, in order; none while it has no ledger yet. */
export async function loadedRunIds(warehouseUrl: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: warehouseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ run_id: string }>("select run_id from etl.load_runs order by 1");
    return rows.map((r) => r.run_id);
  } catch {
    return [];
  } finally {
    await client.end();
  }
}
