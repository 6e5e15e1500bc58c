import { freshDatabase } from "@etl/local-cloud/testing";
import { STAR_REFERENCES, STAR_TABLE_NAMES } from "@etl/schemas";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { controlDdl } from "../../src/ddl/control";
import { OLTP_TABLE_NAMES, oltpDdl } from "../../src/ddl/oltp";
import { warehouseDdl } from "../../src/ddl/warehouse";
import { migratePostgresWarehouse } from "../../src/warehouse/migrate";

let client: pg.Client;

async function apply(statements: string[]): Promise<void> {
  for (const sql of statements) await client.query(sql);
}

async function failure(sql: string, values: unknown[] = []): Promise<string> {
  await client.query("savepoint s");
  try {
    await client.query(sql, values);
  } catch (error) {
    await client.query("rollback to savepoint s");
    return (error as { code?: string }).code ?? "unknown";
  }
  await client.query("release savepoint s");
  return "none";
}

beforeAll(async () => {
  client = new pg.Client({ connectionString: await freshDatabase("ddl") });
  await client.connect();
});

afterAll(async () => {
  await client.end();
});

describe("warehouse DDL on PostgreSQL", () => {
  it("creates every star table and the ledger, and applying it again changes nothing", async () => {
    await apply([...warehouseDdl("wh"), ...controlDdl("etl_ledger")]);
    await apply([...warehouseDdl("wh"), ...controlDdl("etl_ledger")]);

    const { rows } = await client.query<{ table_schema: string; table_name: string }>(
      `select table_schema, table_name from information_schema.tables
        where table_schema in ('wh', 'etl_ledger') order by table_schema, table_name`,
    );
    expect(rows.map((r) => `${r.table_schema}.${r.table_name}`)).toEqual([
      "etl_ledger.load_runs",
      "etl_ledger.loaded_files",
      "etl_ledger.loaded_tables",
      ...[...STAR_TABLE_NAMES].sort().map((t) => `wh.${t}`),
    ]);
  });

  it("migrates a warehouse created before source_updated_at and the ledger counts, keeping its rows", async () => {
    await apply([...warehouseDdl("old"), ...controlDdl("old_ledger")]);
    const dimensions = STAR_TABLE_NAMES.filter((t) => t.startsWith("dim_") && t !== "dim_date");
    // The tables as the previous release created them.
    for (const t of dimensions)
      await client.query(
        `alter table old.${t} drop column source_updated_at, drop column is_deleted, drop column deleted_at`,
      );
    await client.query("alter table old_ledger.load_runs drop column inserted, drop column updated");
    await client.query("insert into old.dim_currency values (1, 'GBP', 'Pound Sterling')");
    await client.query(
      "insert into old_ledger.load_runs (run_id, target, status, started_at) values ('r', 'postgres', 'FINISHED', now())",
    );

    await apply([...warehouseDdl("old"), ...controlDdl("old_ledger")]);

    const added = await client.query<{ table_name: string; column_name: string; data_type: string }>(
      `select table_name, column_name, data_type from information_schema.columns
        where (table_schema = 'old' and column_name = 'source_updated_at')
           or (table_schema = 'old_ledger' and table_name = 'load_runs' and column_name in ('inserted', 'updated'))
        order by table_name, column_name`,
    );
    expect(added.rows).toEqual([
      ...[...dimensions].sort().map((t) => ({
        table_name: t,
        column_name: "source_updated_at",
        data_type: "timestamp without time zone",
      })),
      { table_name: "load_runs", column_name: "inserted", data_type: "bigint" },
      { table_name: "load_runs", column_name: "updated", data_type: "bigint" },
    ]);
    expect((await client.query("select * from old.dim_currency")).rows).toEqual([
      {
        currency_id: 1,
        currency_code: "GBP",
        currency_name: "Pound Sterling",
        source_updated_at: null,
        is_deleted: false,
        deleted_at: null,
      },
    ]);
  });

  it("assigns the surrogate id, refuses a second row of one natural version and a dangling reference", async () => {
    await apply(warehouseDdl("facts"));
    await client.query("begin");
    await client.query(`insert into facts.dim_date values
      ('2024-01-01', 2024, 1, 1, 1, 'Monday', 'January', 1),
      ('2024-01-02', 2024, 1, 2, 2, 'Tuesday', 'January', 1)`);
    await client.query(
      `insert into facts.dim_staff values (1, 'A', 'B', 'Dispatch', 'Leds', 'a.b@terrifictotes.com')`,
    );
    await client.query(
      `insert into facts.dim_counterparty values (1, 'C', 'l1', null, null, 'c', 'p', 'x', '1')`,
    );
    await client.query(`insert into facts.dim_currency values (1, 'GBP', 'Pound Sterling')`);
    await client.query(`insert into facts.dim_design values (1, 'Wooden', '/usr', 'w.json')`);
    await client.query(`insert into facts.dim_location values (1, 'l1', null, null, 'c', 'p', 'x', '1')`);
    const sale = `insert into facts.fact_sales_order (sales_order_id, created_date, created_time,
        last_updated_date, last_updated_time, sales_staff_id, counterparty_id, units_sold, unit_price,
        currency_id, design_id, agreed_payment_date, agreed_delivery_date, agreed_delivery_location_id)
      values ($1, '2024-01-01', '10:00:00.123456', '2024-01-01', $2, 1, 1, 100, 3.50, 1, 1, $3, '2024-01-02', 1)
      returning sales_record_id, last_updated_time::text`;

    const first = await client.query(sale, [1, "10:00:00.123456", "2024-01-02"]);
    const second = await client.query(sale, [1, "10:00:00.123457", "2024-01-02"]);
    const duplicate = await failure(sale, [1, "10:00:00.123456", "2024-01-02"]);
    const missingDate = await failure(sale, [2, "10:00:00", "2026-01-01"]);
    const explicitId = await failure(`insert into facts.fact_sales_order (sales_record_id) values (99)`);
    await client.query("rollback");

    expect(first.rows[0]).toEqual({ sales_record_id: "1", last_updated_time: "10:00:00.123456" });
    expect(second.rows[0]?.sales_record_id).toBe("2");
    expect(duplicate).toBe("23505");
    expect(missingDate).toBe("23503");
    expect(explicitId).toBe("428C9");
  });
});

describe("the warehouse's foreign keys on PostgreSQL 18", () => {
  const foreignKeys = async (schema: string) =>
    (
      await client.query<{ name: string; enforced: boolean }>(
        `select c.conname as name, c.conenforced as enforced from pg_constraint c
           join pg_namespace n on n.oid = c.connamespace
          where c.contype = 'f' and n.nspname = $1 order by 1`,
        [schema],
      )
    ).rows;
  const declared = Object.values(STAR_REFERENCES).flat().length;

  it("are declared NOT ENFORCED by the migration, and an existing warehouse's enforced keys converted, idempotently", async () => {
    await apply(warehouseDdl("enforced_wh"));
    await client.query("alter table enforced_wh.fact_payment drop constraint fact_payment_currency_id_fkey");
    const before = await foreignKeys("enforced_wh");

    await migratePostgresWarehouse(client, "enforced_wh", "enforced_ledger");
    await migratePostgresWarehouse(client, "enforced_wh", "enforced_ledger");
    await migratePostgresWarehouse(client, "fresh_wh", "fresh_ledger");

    expect(before).toHaveLength(declared - 1);
    expect(before.every((k) => k.enforced)).toBe(true);
    for (const schema of ["enforced_wh", "fresh_wh"]) {
      const after = await foreignKeys(schema);
      expect(after).toHaveLength(declared);
      expect(after.filter((k) => k.enforced)).toEqual([]);
    }
  });
});

describe("OLTP DDL on PostgreSQL", () => {
  it("creates the totesys tables, _prisma_migrations, foreign keys and indexes, idempotently", async () => {
    await apply(oltpDdl("oltp"));
    await apply(oltpDdl("oltp"));

    const tables = await client.query<{ table_name: string }>(
      `select table_name from information_schema.tables where table_schema = 'oltp' order by table_name`,
    );
    const fks = await client.query<{ n: number }>(
      `select count(*)::int as n from pg_constraint where contype = 'f' and connamespace = 'oltp'::regnamespace`,
    );
    expect(tables.rows.map((r) => r.table_name)).toEqual([
      "_prisma_migrations",
      ...[...OLTP_TABLE_NAMES].sort(),
    ]);
    expect(fks.rows[0]?.n).toBe(17);
  });

  it("keeps microseconds and refuses an orphan row", async () => {
    await apply(oltpDdl("oltp2"));
    await client.query("begin");
    await client.query(
      `insert into oltp2.payment_type (payment_type_name, created_at, last_updated)
       values ('SALES_RECEIPT', '2024-01-01 10:00:00.123456', '2024-01-01 10:00:00.123456')`,
    );

    const stored = await client.query<{ t: string }>(
      `select to_char(last_updated, 'HH24:MI:SS.US') as t from oltp2.payment_type`,
    );
    const orphan = await failure(
      `insert into oltp2."transaction" (transaction_type, sales_order_id) values ('SALE', 424242)`,
    );
    await client.query("rollback");

    expect(stored.rows[0]?.t).toBe("10:00:00.123456");
    expect(orphan).toBe("23503");
  });
});
