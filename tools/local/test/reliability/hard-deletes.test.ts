import { localS3Client } from "@etl/local-cloud";
import { createS3ObjectStore } from "@etl/s3-io/aws";
import { type RawRunManifest, RawRunManifestSchema } from "@etl/schemas";
import { describe, expect, it } from "vitest";
import { type Scenario, useScenarios } from "./harness";

/**
 * Rows deleted at the source, through `etl run` cycles on the local services: a sales order (with
 * the transaction and payment that reference it, as the source's foreign keys require), a staff
 * member and a payment. The warehouse must end equal to the independent reference extended to
 * deletes, and a cycle after changes nothing.
 */

const scenario = useScenarios();

/** Every raw manifest of the scenario, in run order. */
async function rawManifests(s: Scenario): Promise<RawRunManifest[]> {
  const s3 = localS3Client(s.local.endpoints);
  try {
    const store = createS3ObjectStore(s3, { localServer: true });
    const bucket = s.env.INGEST_BUCKET ?? "";
    const found: RawRunManifest[] = [];
    for await (const object of store.list(bucket, "runs/")) {
      found.push(
        RawRunManifestSchema.parse(
          JSON.parse(Buffer.from(await store.get(bucket, object.key)).toString("utf8")),
        ),
      );
    }
    return found.sort((a, b) => a.sequence - b.sequence);
  } finally {
    s3.destroy();
  }
}

const SETTLED = { differences: [], unreadBelowWatermarks: [], queues: { pending: 0, inflight: 0, dead: 0 } };

describe("hard deletes: rows deleted at the source reach the warehouse as deletions", () => {
  it("a deleted order, staff member and payment: marked, versioned, and equal to the reference", async () => {
    const s = await scenario("hard-deletes");
    // A staff member with no orders: the source's foreign keys let only such a one be deleted.
    await s.oltp.query(
      `insert into staff (staff_id, first_name, last_name, department_id, email_address, created_at, last_updated)
       values (9001, 'Temp', 'Worker', 1, 'temp.worker@terrifictotes.com', localtimestamp, localtimestamp)`,
    );
    await s.cycle();
    await s.snapshot();
    const order = (
      await s.oltp.query<{ id: number }>(
        "select min(sales_order_id) as id from sales_order where sales_order_id in (select sales_order_id from transaction)",
      )
    ).rows[0]?.id;
    const payment = (
      await s.oltp.query<{ id: number }>(
        `select min(payment_id) as id from payment where transaction_id not in
           (select transaction_id from transaction where sales_order_id = $1)`,
        [order],
      )
    ).rows[0]?.id;
    const before = (await s.oltp.query<{ now: string }>("select localtimestamp::text as now")).rows[0]?.now;

    await s.oltp.query(
      "delete from payment where payment_id = $1 or transaction_id in (select transaction_id from transaction where sales_order_id = $2)",
      [payment, order],
    );
    await s.oltp.query("delete from transaction where sales_order_id = $1", [order]);
    await s.oltp.query("delete from sales_order where sales_order_id = $1", [order]);
    await s.oltp.query("delete from staff where staff_id = 9001");
    await s.cycle();
    // A cycle with nothing to do changes nothing: the deletions are not declared again.
    await s.cycle();

    const manifests = await rawManifests(s);
    const declaring = manifests.filter((m) => m.deletions);
    expect(declaring).toHaveLength(1);
    const deletedAt = declaring[0]?.snapshot.databaseTime ?? "";
    expect(deletedAt > (before ?? "")).toBe(true);
    expect(declaring[0]?.deletions?.map((d) => d.table).sort()).toEqual([
      "payment",
      "sales_order",
      "staff",
      "transaction",
    ]);
    // The reference sees the deletions: without their time it disagrees on exactly these tables.
    expect((await s.differences()).map((d) => d.table)).toEqual(
      expect.arrayContaining(["dim_staff", "dim_transaction", "fact_sales_order", "fact_payment"]),
    );
    expect(await s.differences({ deletedAt: `cast('${deletedAt}' as timestamp)` }), s.incidents()).toEqual(
      [],
    );
    expect({ ...(await settledWithoutDifferences(s)), differences: [] }).toEqual(SETTLED);

    const versions = await s.warehouse.query(
      `select is_deleted, deleted_at::text from warehouse.fact_sales_order where sales_order_id = $1
        order by last_updated_date, last_updated_time`,
      [order],
    );
    expect(versions.rows.at(-1)).toEqual({
      is_deleted: true,
      deleted_at: deletedAt.replace(/0+$/, "").replace(/\.$/, ""),
    });
    const current = await s.warehouse.query(
      `select count(*)::int as n from (
         select distinct on (sales_order_id) sales_order_id, is_deleted from warehouse.fact_sales_order
          order by sales_order_id, last_updated_date desc, last_updated_time desc) latest
        where not is_deleted and sales_order_id = $1`,
      [order],
    );
    expect(current.rows[0]?.n).toBe(0);
    const staff = await s.warehouse.query("select is_deleted from warehouse.dim_staff where staff_id = 9001");
    expect(staff.rows).toEqual([{ is_deleted: true }]);
  }, 240_000);
});

/** The rest of the settled state: nothing unread below the watermarks, no message waiting. */
async function settledWithoutDifferences(s: Scenario) {
  return { unreadBelowWatermarks: await s.unreadBelowWatermarks(), queues: s.queueDepth() };
}
