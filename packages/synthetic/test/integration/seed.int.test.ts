import { oltpDdl } from "@etl/db/ddl";
import { freshDatabase } from "@etl/local-cloud/testing";
import { SOURCE_TABLE_NAMES } from "@etl/schemas";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyChanges, NotSeededError } from "../../src/apply-changes";
import { NotEmptyError, seedDatabase } from "../../src/seed-database";

const clients: pg.Client[] = [];
async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  clients.push(client);
  return client;
}

async function contentDigest(client: pg.Client): Promise<Record<string, string>> {
  const digests: Record<string, string> = {};
  for (const table of [...SOURCE_TABLE_NAMES, "_prisma_migrations"]) {
    const { rows } = await client.query<{ md5: string }>(
      `select md5(string_agg(t::text, '|' order by t::text)) as md5 from "${table}" t`,
    );
    digests[table] = rows[0]?.md5 ?? "";
  }
  return digests;
}

let url = "";
let db: pg.Client;

beforeAll(async () => {
  url = await freshDatabase("seed");
  db = await connect(url);
});

afterAll(async () => {
  for (const client of clients) await client.end();
});

describe("seedDatabase", () => {
  it("loads every table with COPY, then keys, validated foreign keys and sequences past the ids", async () => {
    const progress: string[] = [];

    const result = await seedDatabase({
      databaseUrl: url,
      seed: 4,
      scale: 1000,
      onProgress: (e) => progress.push(e.kind === "table" ? e.table : e.step),
    });

    const counts = await db.query<{
      sales: number;
      purchases: number;
      transactions: number;
      payments: number;
    }>(
      `select (select count(*)::int from sales_order) as sales, (select count(*)::int from purchase_order) as purchases,
              (select count(*)::int from "transaction") as transactions, (select count(*)::int from payment) as payments`,
    );
    const constraints = await db.query<{ contype: string; convalidated: boolean; n: number }>(
      `select contype, convalidated, count(*)::int as n from pg_constraint
        where connamespace = 'public'::regnamespace and contype in ('f', 'p') group by 1, 2 order by 1, 2`,
    );
    const next = await db.query<{ id: number }>(
      `select nextval(pg_get_serial_sequence('"public"."sales_order"', 'sales_order_id'))::int as id`,
    );
    expect(counts.rows[0]).toEqual({ sales: 1000, purchases: 420, transactions: 1420, payments: 1420 });
    expect(result.tables).toMatchObject({ sales_order: 1000, payment: 1420, address: 30 });
    expect(constraints.rows).toEqual([
      { contype: "f", convalidated: true, n: 17 },
      { contype: "p", convalidated: true, n: 12 },
    ]);
    expect(next.rows[0]?.id).toBe(1001);
    expect(progress).toContain("transaction");
    expect(progress).toContain("sequences and foreign keys");
  });

  it("refuses a database that holds totesys rows, naming the tables", async () => {
    const attempt = seedDatabase({ databaseUrl: url, seed: 4, scale: 100 });

    await expect(attempt).rejects.toBeInstanceOf(NotEmptyError);
    await expect(attempt).rejects.toThrow(/sales_order.*--reset/);
  });

  it("replaces the tables with --reset and writes the same rows again for the same seed and scale", async () => {
    const before = await contentDigest(db);

    await seedDatabase({ databaseUrl: url, seed: 4, scale: 1000, reset: true });

    expect(await contentDigest(db)).toEqual(before);
  });
});

describe("applyChanges", () => {
  it("stamps a day of new, updated and paid rows with the database clock, after every seeded row", async () => {
    const before = await db.query<{ now: string; seeded: string }>(
      `select localtimestamp::text as now, (select max(last_updated)::text from payment) as seeded`,
    );
    const since = before.rows[0]?.now ?? "";

    const summary = await applyChanges({ databaseUrl: url, seed: 9 });

    const changed: Record<string, number> = {};
    for (const table of SOURCE_TABLE_NAMES) {
      const { rows } = await db.query<{ n: number }>(
        `select count(*)::int as n from "${table}" where last_updated >= $1::timestamp`,
        [since],
      );
      changed[table] = rows[0]?.n ?? 0;
    }
    const unpaidNew = await db.query<{ n: number }>(
      `select count(*)::int as n from payment where created_at >= $1::timestamp and not paid`,
      [since],
    );
    expect(summary.inserted).toEqual({ sales_order: 5, purchase_order: 2, transaction: 7, payment: 7 });
    expect(summary.updated).toMatchObject({ sales_order: 1, address: 1, department: 1 });
    expect(summary.updated.payment).toBeGreaterThan(0);
    expect(changed).toMatchObject({
      sales_order: 5 + (summary.updated.sales_order ?? 0),
      purchase_order: 2,
      transaction: 7,
      payment: 7 + (summary.updated.payment ?? 0),
      address: 1,
      department: 1,
      staff: 0,
      currency: 0,
    });
    expect(unpaidNew.rows[0]?.n).toBe(7);
    expect(since > (before.rows[0]?.seeded ?? "")).toBe(true);
  });

  it("pays with the standard payment type ids when the type names are not the ones it knows", async () => {
    await db.query("update payment_type set payment_type_name = lower(payment_type_name)");
    const since = (await db.query<{ now: string }>("select localtimestamp::text as now")).rows[0]?.now ?? "";

    try {
      await applyChanges({ databaseUrl: url, seed: 10 });
    } finally {
      await db.query("update payment_type set payment_type_name = upper(payment_type_name)");
    }

    const used = await db.query<{ transaction_type: string; payment_type_id: number }>(
      `select distinct t.transaction_type, p.payment_type_id
         from payment p join "transaction" t using (transaction_id)
        where p.created_at >= $1::timestamp order by 1`,
      [since],
    );
    expect(used.rows).toEqual([
      { transaction_type: "PURCHASE", payment_type_id: 3 },
      { transaction_type: "SALE", payment_type_id: 1 },
    ]);
  });

  it("writes a day of changes in one transaction: a failing statement leaves nothing behind", async () => {
    const before = await contentDigest(db);
    // The day's last statement moves a department and names a manager: refuse it.
    await db.query(
      "alter table department add constraint no_manager_changes check (manager is null) not valid",
    );

    const attempt = applyChanges({ databaseUrl: url, seed: 11 });

    await expect(attempt).rejects.toThrow("no_manager_changes");
    await db.query("alter table department drop constraint no_manager_changes");
    expect(await contentDigest(db)).toEqual(before);
  });

  it("refuses a database with the totesys tables but no rows", async () => {
    const empty = await freshDatabase("norows");
    const client = await connect(empty);
    for (const sql of oltpDdl()) await client.query(sql);

    const attempt = applyChanges({ databaseUrl: empty, seed: 1 });

    await expect(attempt).rejects.toBeInstanceOf(NotSeededError);
  });

  it("refuses a database without the totesys tables as not seeded, not with PostgreSQL's missing relation", async () => {
    const bare = await freshDatabase("notables");

    const attempt = applyChanges({ databaseUrl: bare, seed: 1 });

    await expect(attempt).rejects.toThrow(new NotSeededError());
  });
});
