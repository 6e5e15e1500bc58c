import { freshDatabase } from "@etl/local-cloud/testing";
import { STAR_TABLE_NAMES } from "@etl/schemas";
import { makeSalesOrder } from "@etl/schemas/testing";
import pg from "pg";
import { afterAll, describe, expect, it, vi } from "vitest";
import { controlDdl } from "../../src/ddl/control";
import { warehouseDdl } from "../../src/ddl/warehouse";
import { LoadDataError } from "../../src/errors";
import { REBUILD_DIMENSION_KEY_ROWS } from "../../src/warehouse/dimension-key";
import { loadRunIntoPostgres } from "../../src/warehouse/load-run";
import { runTables, type StarRows, starParquet, starRowsOf } from "./load-fixtures";

// The first load of a table (empty inside the run's transaction) inserts without conflict
// handling and, for a fact, rebuilds its keys after the insert. These tests hold it to the merge:
// the same rows, the same constraints, the same failures.

const clients: pg.Client[] = [];

async function warehouse(): Promise<{ client: pg.Client; connect: () => Promise<pg.Client> }> {
  const url = await freshDatabase("firstload");
  const connect = async () => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    clients.push(c);
    return c;
  };
  const client = await connect();
  for (const sql of [...warehouseDdl(), ...controlDdl()]) await client.query(sql);
  return { client, connect };
}

afterAll(async () => {
  for (const c of clients) await c.end().catch(() => undefined);
});

const RUN_1 = "20261123T141500123Z-00000001";
const RUN_2 = "20261124T141500123Z-00000002";
const NOW = () => new Date("2026-11-23T15:00:00.000Z");

/** Every row of every star table, surrogate ids included, in a stable order. */
async function starRows(client: pg.Client): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const t of STAR_TABLE_NAMES)
    out[t] = (await client.query(`select * from warehouse.${t} order by 1, 2, 3`)).rows;
  return out;
}

/** The warehouse's keys and references as the catalog has them. */
async function constraints(client: pg.Client): Promise<string[]> {
  const { rows } = await client.query<{ c: string }>(
    `select t.relname || ' ' || c.conname || ' ' || pg_get_constraintdef(c.oid) as c from pg_constraint c
     join pg_class t on t.oid = c.conrelid join pg_namespace n on n.oid = t.relnamespace
     where n.nspname = 'warehouse' order by 1`,
  );
  return rows.map((r) => r.c);
}

/** `n` sales transactions, enough to make a large dimension. */
function transactions(n: number): object[] {
  return Array.from({ length: n }, (_, i) => ({
    transaction_id: i + 1,
    transaction_type: "SALE",
    sales_order_id: i + 1,
    purchase_order_id: null,
    source_updated_at: "2022-11-03 14:20:49.962000",
  }));
}

/** A run with two orders, so the fact has more than one row and ids to compare. */
function twoOrders(): StarRows {
  return starRowsOf({
    salesOrders: [
      makeSalesOrder({ sales_order_id: 1 }),
      makeSalesOrder({ sales_order_id: 2, units_sold: 7 }),
    ],
  });
}

async function loadBoth(rows: StarRows, connected = false, watch?: (client: pg.Client) => void) {
  const fast = await warehouse();
  const merged = await warehouse();
  watch?.(fast.client);
  const load = (w: typeof fast, firstLoadInsert: boolean) =>
    loadRunIntoPostgres(w.client, {
      runId: RUN_1,
      tables: runTables(RUN_1, rows),
      now: NOW,
      firstLoadInsert,
      ...(connected ? { connect: w.connect, stagingConnections: 2 } : {}),
    });
  return { fast, merged, fastResult: await load(fast, true), mergedResult: await load(merged, false) };
}

describe("the first load of an empty warehouse", () => {
  it.each([
    ["on the run's connection", false],
    ["staged on parallel connections", true],
  ])("gives the same rows and counts as the merge, %s, inserting without the merge", async (_, connected) => {
    const { fast, merged, fastResult, mergedResult } = await loadBoth(twoOrders(), connected);

    expect(fastResult.tables.map((t) => t.path)).toEqual(fastResult.tables.map(() => "first-load"));
    expect(mergedResult.tables.map((t) => t.path)).toEqual(mergedResult.tables.map(() => "merge"));
    const counts = (r: typeof fastResult) => r.tables.map((t) => [t.table, t.rows, t.inserted, t.updated]);
    expect(counts(fastResult)).toEqual(counts(mergedResult));
    expect(await starRows(fast.client)).toEqual(await starRows(merged.client));
    expect((await starRows(fast.client)).fact_sales_order).toHaveLength(2);
    expect(await constraints(fast.client)).toEqual(await constraints(merged.client));
  });

  it("first-loads the empty tables while other connections stage the rest, with the merge's rows", async () => {
    const rows = twoOrders();
    const { fact_sales_order: _, ...dimensions } = rows;
    const load = async (w: Awaited<ReturnType<typeof warehouse>>, firstLoadInsert: boolean) => {
      await loadRunIntoPostgres(w.client, { runId: RUN_1, tables: runTables(RUN_1, dimensions), now: NOW });
      return loadRunIntoPostgres(w.client, {
        runId: RUN_2,
        tables: runTables(RUN_2, rows),
        now: NOW,
        firstLoadInsert,
        connect: w.connect,
        stagingConnections: 2,
      });
    };
    const fast = await warehouse();
    const merged = await warehouse();

    const result = await load(fast, true);
    await load(merged, false);

    const path = Object.fromEntries(result.tables.map((t) => [t.table, t.path]));
    expect(path).toMatchObject({ dim_location: "merge", dim_date: "merge", fact_sales_order: "first-load" });
    expect(await starRows(fast.client)).toEqual(await starRows(merged.client));
    expect((await starRows(fast.client)).fact_sales_order).toHaveLength(2);
  });

  it("falls back to the merge when the run holds two versions of a key, with the same rows", async () => {
    const rows = twoOrders();
    const location = rows.dim_location?.[0] as Record<string, unknown>;
    const order = rows.fact_sales_order?.[0] as Record<string, unknown>;
    const doubled: StarRows = {
      ...rows,
      dim_location: [
        { ...location, city: "Older", source_updated_at: "2022-11-01 10:00:00.000000" },
        ...(rows.dim_location ?? []),
      ],
      fact_sales_order: [...(rows.fact_sales_order ?? []), { ...order, units_sold: 999 }],
    };

    const { fast, merged, fastResult } = await loadBoth(doubled);

    const path = Object.fromEntries(fastResult.tables.map((t) => [t.table, t.path]));
    expect(path).toMatchObject({ dim_location: "merge", fact_sales_order: "merge", dim_staff: "first-load" });
    const withoutIds = (r: Record<string, unknown[]>) =>
      (r.fact_sales_order ?? []).map((x) => ({ ...(x as object), sales_record_id: 0 }));
    const a = await starRows(fast.client);
    const b = await starRows(merged.client);
    // A rolled-back insert used identity values, so the fallback's ids differ; nothing else does.
    expect(withoutIds(a)).toEqual(withoutIds(b));
    expect({ ...a, fact_sales_order: [] }).toEqual({ ...b, fact_sales_order: [] });
    expect(a.fact_sales_order?.map((r) => (r as { units_sold: number }).units_sold)).not.toContain(999);
    expect(await constraints(fast.client)).toEqual(await constraints(merged.client));
  });

  it.each([
    ["on the run's connection", false],
    ["staged on parallel connections", true],
  ])(
    "fails a bad reference with MISSING_REFERENCE, commits nothing and keeps every key, %s",
    async (_, connected) => {
      const w = await warehouse();
      const before = await constraints(w.client);
      const rows = twoOrders();
      const order = rows.fact_sales_order?.[0] as Record<string, unknown>;
      const tables = runTables(RUN_1, rows).map((t) =>
        t.table === "fact_sales_order"
          ? {
              ...t,
              files: t.files.map((f) => ({
                ...f,
                read: async () =>
                  starParquet("fact_sales_order", [
                    { ...order, design_id: 999, agreed_delivery_date: "2031-02-03" },
                  ]),
                rows: 1,
              })),
            }
          : t,
      );

      const failure = await loadRunIntoPostgres(w.client, {
        runId: RUN_1,
        tables,
        now: NOW,
        ...(connected ? { connect: w.connect, stagingConnections: 2 } : {}),
      }).catch((e) => e);

      expect(failure).toBeInstanceOf(LoadDataError);
      expect(failure).toMatchObject({ code: "MISSING_REFERENCE", context: { table: "fact_sales_order" } });
      expect((failure as Error).message).toContain("design_id -> dim_design.design_id: 999");
      // Both checked over the keys collected as the file was encoded, the date as COPY wrote it.
      expect((failure as Error).message).toContain("agreed_delivery_date -> dim_date.date_id: 2031-02-03");
      const after = await starRows(w.client);
      expect(Object.values(after).every((r) => r.length === 0)).toBe(true);
      expect(await constraints(w.client)).toEqual(before);
    },
  );

  it.each([
    ["a fact's rebuilt keys", "fact_sales_order", () => twoOrders()],
    [
      "a large dimension's dropped keys",
      "dim_transaction",
      (): StarRows => ({ ...twoOrders(), dim_transaction: transactions(REBUILD_DIMENSION_KEY_ROWS) }),
    ],
  ] as const)("rolls back %s with the run when a later step fails", async (_, table, rows) => {
    const w = await warehouse();
    const before = await constraints(w.client);

    const failure = await loadRunIntoPostgres(w.client, {
      runId: RUN_1,
      tables: runTables(RUN_1, rows()),
      now: NOW,
      onTableLoaded: (t) => {
        if (t.table === table) throw new Error("progress store unreachable");
      },
    }).catch((e) => e);

    expect(failure).toBeInstanceOf(Error);
    expect((await starRows(w.client))[table]).toEqual([]);
    expect(await constraints(w.client)).toEqual(before);
  });

  it("builds a large dimension's key after its rows, with the foreign keys on it, as the merge has them", async () => {
    const rows: StarRows = { ...twoOrders(), dim_transaction: transactions(REBUILD_DIMENSION_KEY_ROWS) };
    const sent: string[] = [];
    const { fast, merged, fastResult } = await loadBoth(rows, false, (client) => {
      const query = client.query.bind(client) as (...a: unknown[]) => unknown;
      vi.spyOn(client, "query").mockImplementation(((...a: unknown[]) => {
        if (typeof a[0] === "string") sent.push(a[0]);
        return query(...a);
      }) as never);
    });

    const dropped = sent.indexOf(
      'alter table "warehouse"."dim_transaction" drop constraint "dim_transaction_pkey"',
    );
    const added = sent.indexOf(
      'alter table "warehouse"."dim_transaction" add constraint "dim_transaction_pkey" primary key ("transaction_id")',
    );
    expect(
      sent.indexOf(
        'alter table "warehouse"."fact_payment" drop constraint "fact_payment_transaction_id_fkey"',
      ),
    ).toBeLessThan(dropped);
    expect(dropped).toBeGreaterThan(-1);
    expect(added).toBeGreaterThan(dropped);
    expect(sent.slice(added + 1, added + 2)).toEqual([
      'alter table "warehouse"."fact_payment" add constraint "fact_payment_transaction_id_fkey" ' +
        "FOREIGN KEY (transaction_id) REFERENCES warehouse.dim_transaction(transaction_id)",
    ]);
    // The small dimensions keep their keys through the load.
    expect(sent.filter((q) => q.includes('"dim_location_pkey"'))).toEqual([]);

    const dimension = fastResult.tables.find((t) => t.table === "dim_transaction");
    expect(dimension).toMatchObject({ path: "first-load", rows: REBUILD_DIMENSION_KEY_ROWS });
    expect(await starRows(fast.client)).toEqual(await starRows(merged.client));
    const keys = await constraints(fast.client);
    expect(keys).toEqual(await constraints(merged.client));
    expect(keys).toContain("dim_transaction dim_transaction_pkey PRIMARY KEY (transaction_id)");
    // Dropped for the key's build and added again: this warehouse's keys are enforced, so the
    // fact was checked against the new rows as the key came back.
    expect(keys).toContain(
      "fact_payment fact_payment_transaction_id_fkey FOREIGN KEY (transaction_id) REFERENCES warehouse.dim_transaction(transaction_id)",
    );
  });

  it("merges a large dimension instead when its files hold a key twice, keeping its keys", async () => {
    const many = transactions(REBUILD_DIMENSION_KEY_ROWS);
    const rows: StarRows = {
      ...twoOrders(),
      dim_transaction: [
        {
          ...(many[7] as object),
          transaction_type: "PURCHASE",
          source_updated_at: "2022-11-01 10:00:00.000000",
        },
        ...many,
      ],
    };

    const { fast, merged, fastResult } = await loadBoth(rows);

    expect(fastResult.tables.find((t) => t.table === "dim_transaction")?.path).toBe("merge");
    expect(await starRows(fast.client)).toEqual(await starRows(merged.client));
    expect(await constraints(fast.client)).toEqual(await constraints(merged.client));
  });

  it("changes nothing on a replay, nor on another run with the same rows", async () => {
    const w = await warehouse();
    await loadRunIntoPostgres(w.client, { runId: RUN_1, tables: runTables(RUN_1, twoOrders()), now: NOW });
    const before = await starRows(w.client);

    const replay = await loadRunIntoPostgres(w.client, {
      runId: RUN_1,
      tables: runTables(RUN_1, twoOrders()),
      now: NOW,
    });
    const again = await loadRunIntoPostgres(w.client, {
      runId: RUN_2,
      tables: runTables(RUN_2, twoOrders()),
      now: NOW,
    });

    expect(replay.status).toBe("skipped");
    expect(again.tables.every((t) => t.path === "merge" && t.inserted === 0 && t.updated === 0)).toBe(true);
    expect(await starRows(w.client)).toEqual(before);
  });
});
