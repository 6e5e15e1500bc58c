import { Writable } from "node:stream";
import { freshDatabase } from "@etl/local-cloud/testing";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { joinSourceSnapshot, openSourceSnapshot } from "../../src/source/snapshot";

let url = "";
const clients: pg.Client[] = [];
async function connect(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  clients.push(client);
  return client;
}

function collect(): { sink: Writable; lines: () => string[] } {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk);
      done();
    },
  });
  return { sink, lines: () => Buffer.concat(chunks).toString("utf8").split("\n").filter(Boolean) };
}

beforeAll(async () => {
  url = await freshDatabase("snapshot");
  const setup = await connect();
  await setup.query(`
    create table "transaction" (transaction_id int primary key, transaction_type text not null,
      sales_order_id int, purchase_order_id int, created_at timestamp not null, last_updated timestamp not null);
    create table sales_order (sales_order_id int primary key, unit_price numeric(10,2) not null, note text,
      created_at timestamp not null, last_updated timestamp not null);
    insert into "transaction" values
      (2, 'SALE', 1, null, '2024-01-01 10:00:00', '2024-01-01 10:00:00.123456'),
      (1, 'PURCHASE', null, 7, '2024-01-01 10:00:00', '2024-01-01 10:00:00.123456'),
      (3, 'SALE', 2, null, '2024-01-01 09:00:00', '2024-01-02 08:00:00'),
      (4, 'SALE', 3, null, '2024-01-01 09:00:00', localtimestamp + interval '1 hour');
    insert into sales_order values
      (1, 3.5, e'line\\nbreak "quoted" \\\\ back', '2024-01-01 10:00:00', '2024-01-01 10:00:00.5'),
      (2, 2.00, null, '2024-01-01 10:00:00', '2024-01-03 10:00:00');
  `);
});

afterAll(async () => {
  for (const client of clients) await client.end();
});

describe("openSourceSnapshot", () => {
  it("streams rows after the watermark, ordered by last_updated then id, as JSON Lines", async () => {
    const snapshot = await openSourceSnapshot(await connect(), 0);
    const out = collect();

    await snapshot.streamTable("transaction", null, out.sink);
    await snapshot.close();

    expect(out.lines().map((l) => JSON.parse(l))).toEqual([
      {
        transaction_id: 1,
        transaction_type: "PURCHASE",
        sales_order_id: null,
        purchase_order_id: 7,
        created_at: "2024-01-01 10:00:00.000000",
        last_updated: "2024-01-01 10:00:00.123456",
      },
      {
        transaction_id: 2,
        transaction_type: "SALE",
        sales_order_id: 1,
        purchase_order_id: null,
        created_at: "2024-01-01 10:00:00.000000",
        last_updated: "2024-01-01 10:00:00.123456",
      },
      {
        transaction_id: 3,
        transaction_type: "SALE",
        sales_order_id: 2,
        purchase_order_id: null,
        created_at: "2024-01-01 09:00:00.000000",
        last_updated: "2024-01-02 08:00:00.000000",
      },
    ]);
  });

  it("estimates a table's rows in the watermark range from the planner, reading none of them", async () => {
    const setup = await connect();
    await setup.query(`
      create table payment (payment_id int primary key, created_at timestamp not null, last_updated timestamp not null);
      insert into payment select i, '2024-01-01', timestamp '2024-01-01' + i * interval '1 minute'
        from generate_series(1, 2000) i;
      analyze payment;
    `);
    const snapshot = await openSourceSnapshot(await connect(), 0);

    const whole = await snapshot.estimateRows("payment", null);
    const lastHalf = await snapshot.estimateRows("payment", "2024-01-01 16:40:00.000000");
    const none = await snapshot.estimateRows("payment", "2030-01-01 00:00:00.000000");
    await snapshot.close();

    expect(whole).toBe(2000);
    expect(lastHalf).toBeGreaterThan(900);
    expect(lastHalf).toBeLessThan(1100);
    expect(none).toBeLessThanOrEqual(1);
  });

  it("reads nothing at or before the watermark and keeps numerics and odd text exact", async () => {
    const snapshot = await openSourceSnapshot(await connect(), 0);
    const out = collect();

    await snapshot.streamTable("sales_order", "2024-01-01 10:00:00.499999", out.sink);
    const later = collect();
    await snapshot.streamTable("sales_order", "2024-01-03 10:00:00", later.sink);
    await snapshot.close();

    expect(out.lines().map((l) => JSON.parse(l))).toEqual([
      expect.objectContaining({
        sales_order_id: 1,
        unit_price: "3.50",
        note: 'line\nbreak "quoted" \\ back',
      }),
      expect.objectContaining({ sales_order_id: 2, unit_price: "2.00", note: null }),
    ]);
    expect(later.lines()).toEqual([]);
  });

  it("takes its upper bound from the database clock minus the safety lag", async () => {
    const client = await connect();
    const snapshot = await openSourceSnapshot(client, 90);

    const { rows } = await client.query<{ lag: number }>(
      "select extract(epoch from ($1::timestamp - $2::timestamp))::int as lag",
      [snapshot.databaseTime, snapshot.upperBound],
    );
    await snapshot.close();

    expect(rows[0]?.lag).toBe(90);
  });

  it("sees one snapshot for the whole run", async () => {
    const reader = await connect();
    const writer = await connect();
    const snapshot = await openSourceSnapshot(reader, 0);
    const before = collect();
    await snapshot.streamTable("sales_order", null, before.sink);

    await writer.query(
      "insert into sales_order values (9, 9.99, null, '2024-01-01 00:00:00', '2024-01-01 00:00:01')",
    );
    const after = collect();
    await snapshot.streamTable("sales_order", null, after.sink);
    await snapshot.close();
    await writer.query("delete from sales_order where sales_order_id = 9");

    expect(after.lines()).toEqual(before.lines());
  });

  it("holds the upper bound just below the start of a transaction open in another session", async () => {
    const writer = await connect();
    const writerPid = (await writer.query<{ pid: number }>("select pg_backend_pid() as pid")).rows[0]?.pid;
    // Not written yet, so no transaction id: it may still stamp now() = its start and commit later.
    await writer.query("begin");
    const { rows } = await writer.query<{ start: string; before: string }>(
      `select to_char(now()::timestamp, 'YYYY-MM-DD HH24:MI:SS.US') as start,
              to_char(now()::timestamp - interval '1 microsecond', 'YYYY-MM-DD HH24:MI:SS.US') as before`,
    );

    const snapshot = await openSourceSnapshot(await connect(), 0);
    await snapshot.close();
    await writer.query("rollback");

    expect(snapshot.upperBound).toBe(rows[0]?.before);
    expect(snapshot.heldBackBy).toEqual({
      pid: writerPid,
      since: rows[0]?.start,
      ageSeconds: expect.any(Number),
    });
    expect(snapshot.sees).toBe("all-sessions");
  });

  it("is held back neither by idle sessions nor by transactions of other databases", async () => {
    const idle = await connect();
    await idle.query("select 1");
    const elsewhere = new pg.Client({ connectionString: await freshDatabase("elsewhere") });
    await elsewhere.connect();
    clients.push(elsewhere);
    await elsewhere.query("begin");
    await elsewhere.query("select 1");

    const snapshot = await openSourceSnapshot(await connect(), 0);
    await snapshot.close();
    await elsewhere.query("rollback");

    expect(snapshot.upperBound).toBe(snapshot.databaseTime);
    expect(snapshot.heldBackBy).toBeUndefined();
  });

  it("keeps the clock's bound when every open transaction began after it", async () => {
    const young = await connect();
    await young.query("begin");
    await young.query("select 1");

    const client = await connect();
    const snapshot = await openSourceSnapshot(client, 90);
    const { rows } = await client.query<{ lag: number }>(
      "select extract(epoch from ($1::timestamp - $2::timestamp))::int as lag",
      [snapshot.databaseTime, snapshot.upperBound],
    );
    await snapshot.close();
    await young.query("rollback");

    expect(rows[0]?.lag).toBe(90);
    expect(snapshot.heldBackBy).toBeUndefined();
  });
});

describe("joinSourceSnapshot", () => {
  const ids = (lines: string[]) => lines.map((l) => (JSON.parse(l) as { currency_id: number }).currency_id);

  it("reads on other connections from the exported snapshot: a write committed between table reads is seen by none", async () => {
    const setup = await connect();
    await setup.query(`
      create table currency (currency_id int primary key, currency_code text not null,
        created_at timestamp not null, last_updated timestamp not null);
      insert into currency values (1, 'GBP', '2024-01-01', '2024-01-01'), (2, 'USD', '2024-01-01', '2024-01-02');`);
    const coordinator = await openSourceSnapshot(await connect(), 0);
    const snapshotId = await coordinator.exportSnapshot();
    const first = collect();
    await coordinator.streamTable("sales_order", null, first.sink);

    // Another session commits between the run's table reads, before the worker starts.
    await setup.query(
      "insert into currency values (3, 'EUR', '2024-01-01', '2024-01-03'); update currency set currency_code = 'XXX' where currency_id = 1",
    );
    const worker = await joinSourceSnapshot(await connect(), {
      snapshotId,
      upperBound: coordinator.upperBound,
    });
    const second = collect();
    await worker.streamTable("currency", null, second.sink);
    await worker.close();
    await coordinator.close();
    const later = await openSourceSnapshot(await connect(), 0);
    const fresh = collect();
    await later.streamTable("currency", null, fresh.sink);
    await later.close();

    expect(first.lines()).toHaveLength(2);
    expect(second.lines().map((l) => JSON.parse(l).currency_code)).toEqual(["GBP", "USD"]);
    expect(ids(second.lines())).toEqual([1, 2]);
    expect(ids(fresh.lines())).toEqual([1, 2, 3]);
  });

  it("refuses a snapshot id that is not one", async () => {
    const failure = await joinSourceSnapshot(await connect(), {
      snapshotId: "1'; drop table currency; --",
      upperBound: "2024-01-01 00:00:00.000000",
    }).catch((e: unknown) => e);

    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toMatch(/not a snapshot id/);
  });
});
