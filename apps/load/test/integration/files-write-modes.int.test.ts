import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runFileLoad } from "../../src/files/run-file-load";
import { CLAIM_NAMESPACE } from "../../src/files/steps/claims";
import { fileId, ledgerKey } from "../../src/files/steps/destinations";
import { createFilesWorld, type FilesWorld, fixture } from "./files-support";

let world: FilesWorld;

beforeEach(async () => {
  world = await createFilesWorld();
});

afterEach(async () => {
  await world.close();
});

type Order = { order_id: number; customer: string; amount: string | null };
const orders = () =>
  world.rows<Order>("select order_id, customer, amount::text as amount from landed.orders order by order_id");

describe("write modes and exactly-once on the local services", () => {
  it("append: a second file adds its rows to the first", async () => {
    await world.load("landing/orders/csv/a.csv", fixture("orders.csv"));

    const second = await world.load("landing/orders/odd/b.txt", fixture("orders-odd.txt"));

    expect(second.status).toBe("FINISHED");
    expect((await orders()).map((o) => o.order_id)).toEqual([1, 2, 3, 4, 5]);
  });

  it("merge: updates the rows of known keys, inserts new ones, the last record of a key wins, the follow-up runs in the load", async () => {
    await world.load("landing/orders/csv/a.csv", fixture("orders.csv"));

    const merged = await world.load("landing/orders/merge/m.csv", fixture("orders-merge.csv"));

    expect(merged).toMatchObject({ status: "FINISHED", rule: "orders_merge", rows: 3 });
    expect(await orders()).toEqual([
      { order_id: 1, customer: "Acme, Ltd", amount: "15.00" },
      { order_id: 2, customer: 'Say "hi"\nand bye', amount: "3.00" },
      { order_id: 3, customer: "Plain", amount: null },
      { order_id: 20, customer: "New Co (corrected)", amount: "2.00" },
    ]);
    // The procedure saw the merged table: it ran inside the load's transaction, after the write.
    expect(await world.rows("select orders from landed.follow_up_log")).toEqual([{ orders: 4 }]);
  });

  it("replace: empties the table and loads the file; the rule asks for no alert", async () => {
    await world.load("landing/orders/csv/a.csv", fixture("orders.csv"));

    const replaced = await world.load("landing/orders/replace/r.csv", fixture("orders-replace.csv"));

    expect(replaced.status).toBe("FINISHED");
    expect(await orders()).toEqual([{ order_id: 30, customer: "Only Row", amount: "30.00" }]);
    expect(world.alerts().map((a) => a.subject)).toEqual([
      "ETL files landed.orders a.csv: FINISHED: 3 rows into landed.orders",
    ]);
    expect((await world.audit("orders_replace"))[0]).toMatchObject({ status: "FINISHED", rows: 1 });
  });

  it("a duplicate event of one object version loads nothing twice and is audited as SKIPPED", async () => {
    const object = await world.land("landing/orders/csv/a.csv", fixture("orders.csv"));
    await runFileLoad(object, world.deps);

    const again = await runFileLoad(object, world.deps);

    expect(again).toMatchObject({ status: "SKIPPED", rule: "orders_csv" });
    expect((await orders()).length).toBe(3);
    expect((await world.audit("orders_csv")).map((i) => i.status).sort()).toEqual(["FINISHED", "SKIPPED"]);
    expect(world.events()).toHaveLength(1);
  });

  it("a new version of the same key is a new load", async () => {
    await world.load("landing/orders/replace/r.csv", fixture("orders-replace.csv"));

    const next = await world.load(
      "landing/orders/replace/r.csv",
      fixture("orders-replace.csv").toString().replace("Only Row", "Next Row"),
    );

    expect(next.status).toBe("FINISHED");
    expect(await orders()).toEqual([{ order_id: 30, customer: "Next Row", amount: "30.00" }]);
    expect((await world.keys("archive/")).length).toBe(2);
  });

  it("an attempt that died after its commit is taken over: the ledger stops a second load, the file is archived", async () => {
    const object = await world.land("landing/orders/csv/a.csv", fixture("orders.csv"));
    // The earlier attempt loaded the rows and wrote the ledger row, then stopped: its lease ran out.
    await runFileLoad(await world.land("landing/orders/csv/other.csv", fixture("orders.csv")), world.deps);
    await world.db.query("update etl.loaded_files set key = $1", [
      ledgerKey(world.bucket, "orders_csv", fileId(object)),
    ]);
    await world.deps.state.putRecord(CLAIM_NAMESPACE, fileId(object), {
      bucket: world.bucket,
      key: object.key,
      version: object.sequencer,
      attempt: "2026-11-23T09:00:00.000Z",
      leaseUntil: 0,
    });

    const outcome = await runFileLoad(object, world.deps);

    expect(outcome).toMatchObject({ status: "FINISHED", rows: 3 });
    expect((await orders()).length).toBe(3);
    expect(await world.keys("landing/")).toEqual([]);
  });
});
