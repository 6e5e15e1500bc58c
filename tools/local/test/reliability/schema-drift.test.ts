import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { localS3Client } from "@etl/local-cloud";
import { createS3ObjectStore } from "@etl/s3-io/aws";
import { RawRunManifestSchema } from "@etl/schemas";
import { describe, expect, it } from "vitest";
import { report } from "../../src/cli/commands/dashboard";
import { status } from "../../src/cli/commands/status";
import { type Scenario, useScenarios } from "./harness";

/**
 * The source changes shape under the pipeline, through `etl run` cycles on the local services:
 * a column added (the runs go on, the warehouse equals the reference), a column dropped and a
 * column retyped (the run is refused with one alert, the watermarks stay, and after the fix the
 * next run loads everything), a new table (reported once, not read).
 */

const scenario = useScenarios();

/** The alerts the scenario's stages raised: subject and the whole line. */
function alerts(s: Scenario): { subject: string; line: string }[] {
  const file = join(s.dataDir, "alerts.jsonl");
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => ({ subject: (JSON.parse(line) as { subject: string }).subject, line }));
}

interface StatusJson {
  watermarks: Record<string, string | null>;
  schemaDrift: { kind: string; table: string; column?: string; type?: string; firstSeenRunId: string }[];
}

/** Every raw manifest's sales_order entry: what it declares and the rows its files hold. */
async function rawSalesOrders(s: Scenario) {
  const s3 = localS3Client(s.local.endpoints);
  try {
    const store = createS3ObjectStore(s3, { localServer: true });
    const bucket = s.env.INGEST_BUCKET ?? "";
    const found: { addedColumns: unknown; rows: Record<string, unknown>[] }[] = [];
    for await (const object of store.list(bucket, "runs/")) {
      const manifest = RawRunManifestSchema.parse(
        JSON.parse(Buffer.from(await store.get(bucket, object.key)).toString("utf8")),
      );
      for (const entry of manifest.tables.filter((e) => e.table === "sales_order")) {
        const rows: Record<string, unknown>[] = [];
        for (const file of entry.files) {
          const text = gunzipSync(await store.get(bucket, file.key)).toString("utf8");
          rows.push(
            ...text
              .split("\n")
              .filter(Boolean)
              .map((l) => JSON.parse(l) as Record<string, unknown>),
          );
        }
        found.push({ addedColumns: entry.addedColumns, rows });
      }
    }
    return found;
  } finally {
    s3.destroy();
  }
}

async function statusJson(s: Scenario): Promise<StatusJson> {
  const { output } = await s.operator(status, ["--json"]);
  return JSON.parse(output) as StatusJson;
}

/** The end every scenario must reach: the warehouse equals the reference, nothing unread or waiting. */
async function settled(s: Scenario) {
  return {
    differences: await s.differences(),
    unreadBelowWatermarks: await s.unreadBelowWatermarks(),
    queues: s.queueDepth(),
  };
}

const SETTLED = { differences: [], unreadBelowWatermarks: [], queues: { pending: 0, inflight: 0, dead: 0 } };

const touch = "last_updated = clock_timestamp()";

describe("schema drift: the source changes shape and the pipeline neither stops nor loses data", () => {
  it("a column added: the runs go on, it is recorded and alerted once, the warehouse equals the reference", async () => {
    const s = await scenario("column-added");
    await s.cycle();
    await s.snapshot();

    await s.oltp.query("alter table sales_order add column discount_rate numeric(4,2)");
    await s.oltp.query(
      `update sales_order set discount_rate = 0.10, ${touch} where sales_order_id in (1, 2, 3)`,
    );
    await s.cycle();
    await s.snapshot();
    await s.oltp.query(
      `update sales_order set units_sold = units_sold + 1, ${touch} where sales_order_id = 4`,
    );
    await s.cycle();

    const raw = await rawSalesOrders(s);
    expect(raw.map((r) => r.addedColumns)).toEqual([
      undefined,
      [{ name: "discount_rate", type: "numeric" }],
      [{ name: "discount_rate", type: "numeric" }],
    ]);
    expect(raw[1]?.rows.filter((r) => r.discount_rate === "0.10")).toHaveLength(3);
    const drift = alerts(s).filter((a) => a.subject.includes("new column"));
    expect(drift.map((a) => a.subject)).toEqual([
      "ETL ingest sales_order: new column sales_order.discount_rate, ignored",
    ]);
    expect(alerts(s).filter((a) => !a.subject.includes("new column"))).toEqual([]);
    expect((await statusJson(s)).schemaDrift).toEqual([
      expect.objectContaining({
        kind: "added-column",
        table: "sales_order",
        column: "discount_rate",
        type: "numeric",
      }),
    ]);
    const { output } = await s.operator(status);
    expect(output).toMatch(/added column, ignored\s+sales_order\s+discount_rate\s+numeric/);
    const page = join(s.dataDir, "report.html");
    expect(await report.run({ values: { "data-dir": s.dataDir, out: page }, positionals: [] })).toBe(0);
    expect(readFileSync(page, "utf8")).toMatch(/added column, ignored.*sales_order.*discount_rate.*numeric/s);
    const declared = await s.warehouse.query(
      "select count(*)::int as n from warehouse.fact_sales_order where sales_order_id in (1, 2, 3)",
    );
    expect(declared.rows[0]?.n).toBeGreaterThanOrEqual(6);
    expect(await settled(s), s.incidents()).toEqual(SETTLED);
  }, 180_000);

  it("a column dropped: the run is refused with one alert, the watermarks stay, and after restoring it nothing is lost", async () => {
    const s = await scenario("column-dropped");
    await s.cycle();
    await s.snapshot();
    const before = (await statusJson(s)).watermarks;

    await s.oltp.query(
      `update sales_order set units_sold = units_sold + 7, ${touch} where sales_order_id <= 5`,
    );
    await s.oltp.query("alter table staff drop column email_address");
    const refused = s.cycle();

    await expect(refused).rejects.toMatchObject({ code: "SCHEMA_DRIFT" });
    expect((await statusJson(s)).watermarks).toEqual(before);
    const sent = alerts(s);
    expect(sent.map((a) => a.subject)).toEqual(["ETL ingest staff: failed, no retry (SCHEMA_DRIFT)"]);
    expect(sent[0]?.line).toContain("staff.email_address (character varying) is gone");
    expect(sent[0]?.line).toContain("Restore the column");

    await s.oltp.query("alter table staff add column email_address varchar");
    await s.oltp.query(
      `update staff set email_address = lower(first_name || '.' || last_name) || '@terrifictotes.com', ${touch}`,
    );
    await s.oltp.query("alter table staff alter column email_address set not null");
    await s.cycle();

    const changed = await s.warehouse.query(
      "select count(*)::int as n from warehouse.fact_sales_order where sales_order_id <= 5",
    );
    expect(changed.rows[0]?.n).toBe(10);
    expect(await settled(s), s.incidents()).toEqual(SETTLED);
  }, 180_000);

  it("a type changed: the run is refused naming the old and new type, and runs on once it is changed back", async () => {
    const s = await scenario("type-changed");
    await s.cycle();
    await s.snapshot();
    const before = (await statusJson(s)).watermarks;

    await s.oltp.query("alter table purchase_order alter column item_quantity type numeric");
    await s.oltp.query(
      `update purchase_order set item_quantity = item_quantity + 1, ${touch} where purchase_order_id <= 3`,
    );
    await expect(s.cycle()).rejects.toMatchObject({ code: "SCHEMA_DRIFT" });

    expect((await statusJson(s)).watermarks).toEqual(before);
    const sent = alerts(s);
    expect(sent.map((a) => a.subject)).toEqual([
      "ETL ingest purchase_order: failed, no retry (SCHEMA_DRIFT)",
    ]);
    expect(sent[0]?.line).toContain("purchase_order.item_quantity changed type from integer to numeric");

    await s.oltp.query("alter table purchase_order alter column item_quantity type integer");
    await s.cycle();

    expect(await settled(s), s.incidents()).toEqual(SETTLED);
  }, 180_000);

  it("a new table: reported once, in the state and in status, and not read", async () => {
    const s = await scenario("new-table");
    await s.oltp.query(
      "create table refund (refund_id serial primary key, amount numeric, last_updated timestamp)",
    );
    await s.oltp.query("insert into refund (amount, last_updated) values (12.5, clock_timestamp())");

    await s.cycle();
    await s.snapshot();
    await s.oltp.query(
      `update sales_order set units_sold = units_sold + 1, ${touch} where sales_order_id = 1`,
    );
    await s.cycle();

    expect(alerts(s).map((a) => a.subject)).toEqual([
      "ETL ingest refund: new source table refund, not ingested",
    ]);
    expect((await statusJson(s)).schemaDrift).toEqual([
      expect.objectContaining({ kind: "new-table", table: "refund" }),
    ]);
    const { output } = await s.operator(status);
    expect(output).toContain("new table, not ingested");
    expect(await settled(s), s.incidents()).toEqual(SETTLED);
  }, 180_000);
});
