import { randomUUID } from "node:crypto";
import { quoteIdent } from "@etl/db";
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

/** A login role that may only read the source tables, and its connection URL. */
async function leastPrivilegedUser(): Promise<{ name: string; url: string }> {
  const name = `ingest_reader_${randomUUID().replace(/-/g, "").slice(0, 8)}`;
  const password = randomUUID();
  // Utility statements take no bind parameters: format() quotes the name and the password.
  const { rows } = await h.admin.query<{ sql: string }>(
    "select format('create role %I login password %L', $1::text, $2::text) as sql",
    [name, password],
  );
  await h.admin.query(rows[0]?.sql ?? "");
  await h.admin.query(`grant select on all tables in schema public to ${quoteIdent(name)}`);
  const url = new URL(h.url);
  url.username = name;
  url.password = password;
  return { name, url: url.toString() };
}

describe("the late-commit guard's privilege", () => {
  it("refuses a user that cannot see other users' transactions, naming the grant", async () => {
    await seedOrders(h.admin);
    const reader = await leastPrivilegedUser();

    const run = runIngest(h.settings, h.deps({ openSnapshot: h.snapshotOpener(reader.url) }));

    await expect(run).rejects.toMatchObject({
      retryable: false,
      message: expect.stringContaining(`GRANT pg_read_all_stats TO "${reader.name}"`),
    });
    expect(await h.keys()).toEqual([]);
    expect(h.alerter.sent).toHaveLength(1);
    expect(await h.state.getWatermarks(["watermark#sales_order"])).toEqual({ "watermark#sales_order": null });
  });

  it("runs with pg_read_all_stats and is held back by another user's open transaction", async () => {
    await seedOrders(h.admin);
    const reader = await leastPrivilegedUser();
    await h.admin.query(`grant pg_read_all_stats to ${quoteIdent(reader.name)}`);
    const writer = await connect();
    const writerPid = (await writer.query<{ pid: number }>("select pg_backend_pid() as pid")).rows[0]?.pid;
    await writer.query("begin");
    await writer.query("select 1");

    const run = await runIngest(h.settings, h.deps({ openSnapshot: h.snapshotOpener(reader.url) }));
    await writer.query("rollback");

    const manifest = await h.manifest(run.manifestKey ?? "");
    expect(manifest.snapshot).toMatchObject({ sees: "all-sessions", heldBackBy: { pid: writerPid } });
    expect(run.rows).toBe(9);
  });

  it("runs best-effort without the privilege when configured so, and warns every run", async () => {
    await seedOrders(h.admin);
    const reader = await leastPrivilegedUser();
    const writer = await connect();
    await writer.query("begin");
    await writer.query("select 1");

    const run = await runIngest(
      { ...h.settings, lateCommitGuard: "best-effort" },
      h.deps({ openSnapshot: h.snapshotOpener(reader.url) }),
    );
    await writer.query("rollback");

    const manifest = await h.manifest(run.manifestKey ?? "");
    // The other user's open transaction is invisible: exactly the risk the setting accepts.
    expect(manifest.snapshot.sees).toBe("own-user");
    expect(manifest.snapshot.heldBackBy).toBeUndefined();
    expect(h.warnings.map((w) => w.message)).toEqual([expect.stringContaining("GRANT pg_read_all_stats")]);
    expect(h.alerter.sent).toEqual([]);
  });
});

describe("a long-open transaction", () => {
  it("holds the upper bound at its start and is logged with its pid and age", async () => {
    await seedOrders(h.admin);
    const writer = await connect();
    const writerPid = (await writer.query<{ pid: number }>("select pg_backend_pid() as pid")).rows[0]?.pid;
    await writer.query("begin");
    const { rows } = await writer.query<{ start: string }>(
      "select to_char(now()::timestamp, 'YYYY-MM-DD HH24:MI:SS.US') as start",
    );

    const run = await runIngest({ ...h.settings, holdWarningSeconds: 0 }, h.deps());
    await writer.query("rollback");

    const manifest = await h.manifest(run.manifestKey ?? "");
    const start = rows[0]?.start ?? "";
    expect(manifest.snapshot.heldBackBy).toEqual({ pid: writerPid, since: start });
    const { rows: bound } = await h.admin.query<{ upper: string }>(
      "select to_char($1::timestamp - interval '1 microsecond', 'YYYY-MM-DD HH24:MI:SS.US') as upper",
      [start],
    );
    expect(manifest.snapshot.upperBound).toBe(bound[0]?.upper);
    expect(h.warnings).toEqual([
      {
        message: expect.stringContaining(`pid ${writerPid}`),
        details: expect.objectContaining({ pid: writerPid, since: start, ageSeconds: expect.any(Number) }),
      },
    ]);
  });
});
