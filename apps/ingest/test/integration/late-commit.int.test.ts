import pg from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runIngest } from "../../src/run-ingest";
import { createHarness } from "./harness";

let h: Awaited<ReturnType<typeof createHarness>>;
const clients: pg.Client[] = [];
beforeEach(async () => {
  h = await createHarness();
});
afterEach(async () => {
  for (const c of clients.splice(0)) await c.end().catch(() => undefined);
  await h.close();
});

async function connect(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: h.url });
  await client.connect();
  clients.push(client);
  return client;
}

/** Sales orders 7, 8 and 9 with every row they reference, stamped a minute ago. */
async function seedOrders(db: pg.ClientBase): Promise<void> {
  const at = "localtimestamp - interval '1 minute'";
  await db.query(`
    insert into address values (1, '1 High Street', null, null, 'Leeds', 'LS1 1AA', 'UK', '0113 000', ${at}, ${at});
    insert into department values (1, 'Sales', 'Leeds', 'Ann', ${at}, ${at});
    insert into staff values (1, 'Ann', 'Lee', 1, 'ann@example.com', ${at}, ${at});
    insert into design values (1, ${at}, 'Wooden', '/designs', 'wooden.json', ${at});
    insert into counterparty values (1, 'Acme', 1, null, null, ${at}, ${at});
    insert into currency values (1, 'GBP', ${at}, ${at});
    insert into sales_order
      select id, ${at}, ${at}, 1, 1, 1, 10, 2.50, 1, '2026-01-01', '2026-01-02', 1
        from unnest(array[7, 8, 9]) id;
  `);
}

/** Every sales order version the raw files of these runs hold, in run order. */
async function salesOrdersOf(runs: readonly { manifestKey?: string }[]) {
  const out: Record<string, unknown>[] = [];
  for (const run of runs) {
    if (!run.manifestKey) continue;
    const manifest = await h.manifest(run.manifestKey);
    for (const entry of manifest.tables.filter((t) => t.table === "sales_order")) {
      for (const file of entry.files) out.push(...(await h.rows(file.key)));
    }
  }
  return out;
}

const updateOrder = (id: number, units: number) =>
  `update sales_order set units_sold = ${units}, last_updated = clock_timestamp() where sales_order_id = ${id}`;

describe("a writer whose transaction is open while a run reads", () => {
  it("is not lost when the run reads other changes committed after the writer stamped its row", async () => {
    await seedOrders(h.admin);
    await runIngest(h.settings, h.deps());
    await h.admin.query(updateOrder(9, 99));
    const writer = await connect();
    const writerPid = (await writer.query<{ pid: number }>("select pg_backend_pid() as pid")).rows[0]?.pid;

    await writer.query("begin");
    await writer.query(updateOrder(7, 4242));
    await h.admin.query(updateOrder(8, 88));
    const during = await runIngest(h.settings, h.deps());
    await writer.query("commit");
    const after = [await runIngest(h.settings, h.deps()), await runIngest(h.settings, h.deps())];

    expect(await salesOrdersOf(after)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ sales_order_id: 7, units_sold: 4242 }),
        expect.objectContaining({ sales_order_id: 8, units_sold: 88 }),
      ]),
    );
    expect((await salesOrdersOf([during])).map((r) => r.sales_order_id)).toEqual([9]);
    const manifest = await h.manifest(during.manifestKey ?? "");
    expect(manifest.snapshot.heldBackBy).toMatchObject({ pid: writerPid });
  });

  it("is not lost when the open writer is the only change", async () => {
    await seedOrders(h.admin);
    await runIngest(h.settings, h.deps());
    const writer = await connect();

    await writer.query("begin");
    await writer.query(updateOrder(7, 4242));
    const during = await runIngest(h.settings, h.deps());
    await writer.query("commit");
    const after = [await runIngest(h.settings, h.deps()), await runIngest(h.settings, h.deps())];

    expect(during.rows).toBe(0);
    expect(await salesOrdersOf(after)).toEqual([
      expect.objectContaining({ sales_order_id: 7, units_sold: 4242 }),
    ]);
  });

  it("is not lost when its transaction began before the run but stamps its row with now() only later", async () => {
    await seedOrders(h.admin);
    await runIngest(h.settings, h.deps());
    const writer = await connect();

    // No write yet, so no transaction id: only the transaction's start time can protect it.
    await writer.query("begin");
    await writer.query("select 1");
    await h.admin.query(updateOrder(8, 88));
    const during = await runIngest(h.settings, h.deps());
    await writer.query(
      "update sales_order set units_sold = 4242, last_updated = now()::timestamp where sales_order_id = 7",
    );
    await writer.query("commit");
    const after = [await runIngest(h.settings, h.deps()), await runIngest(h.settings, h.deps())];

    expect(await salesOrdersOf(after)).toEqual([
      expect.objectContaining({ sales_order_id: 7, units_sold: 4242 }),
      expect.objectContaining({ sales_order_id: 8, units_sold: 88 }),
    ]);
    expect(during.rows).toBe(0);
  });
});
