import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cloud, freshDatabase } from "@etl/local-cloud/testing";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { etl, isShort } from "./run-etl";

const dir = mkdtempSync(join(tmpdir(), "etl-query-"));
const saved = { ...process.env };
let warehouseUrl = "";

async function tables(): Promise<string[]> {
  const client = new pg.Client({ connectionString: warehouseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>(
      "select table_schema || '.' || table_name as name from information_schema.tables where table_schema not in ('pg_catalog', 'information_schema') order by 1",
    );
    return rows.map((r) => r.name);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  const c = cloud();
  warehouseUrl = await freshDatabase("query");
  Object.assign(process.env, {
    DATABASE_URL: c.databaseUrl,
    WAREHOUSE_URL: warehouseUrl,
    S3_ENDPOINT: c.s3Endpoint,
    DYNAMODB_ENDPOINT: c.dynamodbEndpoint,
    ETL_DATA_DIR: dir,
  });
  const client = new pg.Client({ connectionString: warehouseUrl });
  await client.connect();
  await client.query("create table public.kept (i int)");
  await client.query("insert into public.kept values (1), (2)");
  await client.end();
});
afterAll(() => {
  process.env = saved;
  rmSync(dir, { recursive: true, force: true });
});

describe("etl query", () => {
  it("prints each type of value as JSON can hold it: null, times in UTC, numbers, text, bytes, JSON, booleans", async () => {
    const result = await etl(
      "query",
      "select null::int as n, timestamptz '2026-11-23 14:15:00+00' as at, 7 as i, 'a' as t, '\\x00ff'::bytea as b, '{\"k\": 1}'::jsonb as j, true as flag",
      "--json",
    );

    expect(result.err).toBe("");
    expect(result.code).toBe(0);
    expect(JSON.parse(result.out)).toEqual({
      columns: ["n", "at", "i", "t", "b", "j", "flag"],
      rows: [[null, "2026-11-23T14:15:00.000Z", 7, "a", "\\x00ff", '{"k":1}', "true"]],
      rowCount: 1,
    });
  });

  it("runs one select and prints its rows", async () => {
    const result = await etl("query", "select i from public.kept order by i");

    expect(result.code).toBe(0);
    expect(result.out).toMatch(/i\n-+\n\s*1\n\s*2\n\(2 rows\)/);
  });

  it.each([
    ["commit; create table public.made (i int)"],
    ["select 1; drop table public.kept"],
    ["select 1;drop table public.kept;"],
  ])("refuses several statements, runs none of them: %s", async (sql) => {
    const before = await tables();

    const result = await etl("query", sql);

    expect(result.code).toBe(2);
    expect(result.err).toContain("one statement");
    expect(isShort(result.err)).toBe(true);
    expect(result.out).toBe("");
    expect(await tables()).toEqual(before);
  });

  it.each([
    ["create table public.made (i int)"],
    ["drop table public.kept"],
    ["insert into public.kept values (3)"],
  ])("refuses a statement that writes, in one line: %s", async (sql) => {
    const before = await tables();

    const result = await etl("query", sql);

    expect(result.code).toBe(1);
    expect(result.err).toMatch(/read-only transaction/);
    expect(isShort(result.err, 1)).toBe(true);
    expect(await tables()).toEqual(before);
    expect((await etl("query", "select count(*) as n from public.kept")).out).toMatch(/\b2\n\(1 rows\)/);
  });

  it("a statement's error is one line and exit 1", async () => {
    const result = await etl("query", "select * from public.missing");

    expect(result.code).toBe(1);
    expect(result.err).toMatch(/^etl query: .*"public\.missing" does not exist\n$/);
  });

  it("no SQL is a usage error", async () => {
    const result = await etl("query");

    expect(result.code).toBe(2);
    expect(isShort(result.err)).toBe(true);
  });

  it("runs as the read-only role when the warehouse has it", async () => {
    const client = new pg.Client({ connectionString: warehouseUrl });
    await client.connect();
    await client.query(
      "do $$ begin if not exists (select 1 from pg_roles where rolname = 'etl_reader') then create role etl_reader nologin; end if; end $$",
    );

    try {
      const result = await etl("query", "--json", "select current_user as who");

      expect(result.code).toBe(0);
      expect(JSON.parse(result.out)).toEqual({ columns: ["who"], rows: [["etl_reader"]], rowCount: 1 });
    } finally {
      // Roles are the cluster's: leave none behind for the other files sharing it.
      await client.query("drop role etl_reader");
      await client.end();
    }
  });
});
