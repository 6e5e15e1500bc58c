import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cloud, freshDatabase } from "@etl/local-cloud/testing";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import type { LocalEnvironment } from "../../src/environment";
import { resetPipelineState } from "../../src/reset";

const dir = mkdtempSync(join(tmpdir(), "etl-reset-state-"));

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("resetPipelineState", () => {
  it("resets what there is: missing buckets and tables are nothing to reset, the named star schema goes", async () => {
    const c = cloud();
    const warehouseUrl = await freshDatabase("resetwh");
    const client = new pg.Client({ connectionString: warehouseUrl });
    await client.connect();
    await client.query("create schema mart");
    await client.query("create table mart.dim_x (i int)");
    await client.end();
    const id = randomUUID().slice(0, 8);
    mkdirSync(join(dir, "queues", "etl-transform"), { recursive: true });
    mkdirSync(join(dir, "s3-events"), { recursive: true });
    writeFileSync(join(dir, "s3-events", "1.json"), "{}");
    writeFileSync(join(dir, "s3-events", "keep.txt"), "not an event");
    const local: LocalEnvironment = {
      endpoints: { ...c, eventsDir: join(dir, "s3-events"), dataDir: dir },
      env: {
        INGEST_BUCKET: `none-ingest-${id}`,
        PROCESSED_BUCKET: "",
        STATE_TABLE: `none-state-${id}`,
        AUDIT_TABLE: "",
        FAILURE_TABLE: `none-failures-${id}`,
        WAREHOUSE_URL: warehouseUrl,
        WAREHOUSE_SCHEMA: "mart",
      },
      started: false,
      close: async () => {},
    };

    const summary = await resetPipelineState(local);

    expect(summary).toEqual({ objects: 0, tables: [], schemas: ["mart", "etl"] });
    const after = new pg.Client({ connectionString: warehouseUrl });
    await after.connect();
    const { rows } = await after.query(
      "select 1 from information_schema.schemata where schema_name = 'mart'",
    );
    await after.end();
    expect(rows).toEqual([]);
    expect(existsSync(join(dir, "queues"))).toBe(false);
    expect(existsSync(join(dir, "s3-events", "1.json"))).toBe(false);
    expect(existsSync(join(dir, "s3-events", "keep.txt"))).toBe(true);
  });
});
