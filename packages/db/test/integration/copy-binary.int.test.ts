import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { freshDatabase } from "@etl/local-cloud/testing";
import { type ColumnType, STAR_TABLE_NAMES } from "@etl/schemas";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { afterAll, describe, expect, it } from "vitest";
import { controlDdl } from "../../src/ddl/control";
import { warehouseDdl } from "../../src/ddl/warehouse";
import { CopyBinaryWriter } from "../../src/warehouse/copy-binary";
import { encodeParquet, withBinaryCopy } from "../../src/warehouse/copy-parquet";
import { CopyTextWriter } from "../../src/warehouse/copy-text";
import { loadRunIntoPostgres } from "../../src/warehouse/load-run";
import { tablePlan } from "../../src/warehouse/statements";
import { runTables, starParquet, starRowsOf } from "./load-fixtures";

const clients: pg.Client[] = [];
afterAll(async () => {
  for (const c of clients) await c.end().catch(() => undefined);
});

async function database(name: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: await freshDatabase(name) });
  await client.connect();
  clients.push(client);
  return client;
}

const COLUMNS: { name: string; type: ColumnType; sql: string; scale?: number; values: unknown[] }[] = [
  { name: "i", type: "int", sql: "integer", values: [0, -1, 2147483647, -2147483648, 42n, null] },
  {
    name: "b",
    type: "bigint",
    sql: "bigint",
    values: [0, -1, 2 ** 53 - 1, -(2 ** 53) + 1, 9223372036854775807n, -9223372036854775808n],
  },
  {
    name: "t",
    type: "text",
    sql: "text",
    values: ["plain", "tab\t\\n\r\nx", "Café 日本 😀", "", "\ud800x", null],
  },
  {
    name: "tm",
    type: "time",
    sql: "time",
    values: ["00:00:00", "23:59:59.999999", "14:20:49.9", "14:20:49.962000", "12:00:00.000001", null],
  },
  {
    name: "ts",
    type: "timestamp",
    sql: "timestamp",
    values: [
      "2000-01-01 00:00:00",
      "1999-12-31 23:59:59.999999",
      "2024-02-29T12:34:56.7",
      "0001-01-01 00:00:00",
      "9999-12-31 23:59:59.999999",
      "1677-09-21 00:12:43.145225",
    ],
  },
  { name: "d", type: "date", sql: "date", values: [0, -10957, 19299, -719162, 2932896, null] },
  {
    name: "m",
    type: "decimal",
    sql: "numeric(30,2)",
    scale: 2,
    values: [350, -5, 0, 10_000, 999_999_999_999_999_999_999_999n, new Uint8Array([0xff, 0xfb])],
  },
  {
    name: "m0",
    type: "decimal",
    sql: "numeric(20,0)",
    scale: 0,
    values: [0, 1, -10_000, 123_456_789, 100_000_000, 2 ** 53 - 1],
  },
  {
    name: "m6",
    type: "decimal",
    sql: "numeric(20,6)",
    scale: 6,
    values: [1, -1_000_000, 123_456_789_012, 10, 5_000_000, 0n],
  },
  { name: "f", type: "boolean", sql: "boolean", values: [true, false, null, true, false, true] },
];

async function copyInto(client: pg.Client, table: string, format: "text" | "binary", chunks: Buffer[]) {
  const names = COLUMNS.map((c) => `"${c.name}"`).join(", ");
  const stream = client.query(copyFrom(`copy ${table} (${names}) from stdin with (format ${format})`));
  await pipeline(Readable.from(chunks), stream);
  return stream.rowCount;
}

describe("binary COPY", () => {
  it("gives PostgreSQL the values the text format gives it, type by type", async () => {
    const client = await database("copybinary");
    const rows = 6;
    for (const table of ["as_text", "as_binary"]) {
      await client.query(
        `create table ${table} (n serial, ${COLUMNS.map((c) => `"${c.name}" ${c.sql}`).join(", ")})`,
      );
    }
    const columns = COLUMNS.map(({ name, type, scale }) =>
      scale === undefined ? { name, type } : { name, type, scale },
    );
    const vectors = COLUMNS.map((c) => c.values);
    const text = new CopyTextWriter(64);
    text.rows(columns, vectors, 0, rows);
    const binary = new CopyBinaryWriter(64);
    binary.rows(columns, vectors, 0, 3);
    binary.rows(columns, vectors, 3, rows);
    binary.finish();

    expect(await copyInto(client, "as_text", "text", text.take())).toBe(rows);
    expect(await copyInto(client, "as_binary", "binary", binary.take())).toBe(rows);

    const read = async (table: string) =>
      (await client.query({ text: `select * from ${table} order by n`, rowMode: "array" })).rows.map((r) =>
        r.map(String),
      );
    const fromText = await read("as_text");
    expect(fromText).toHaveLength(rows);
    expect(await read("as_binary")).toEqual(fromText);
    const differ = await client.query(
      "select count(*)::int as n from (select * from as_text except all select * from as_binary) d",
    );
    expect(differ.rows[0].n).toBe(0);
  });

  it("takes the binary format only for tables whose target columns have the plan's types", async () => {
    const client = await database("copybinaryplans");
    for (const sql of [...warehouseDdl(), ...controlDdl()]) await client.query(sql);
    const plans = STAR_TABLE_NAMES.map((t) => tablePlan(t));

    expect((await withBinaryCopy(client, plans)).every((p) => p.binaryCopy)).toBe(true);

    await client.query(`alter table warehouse.fact_sales_order alter column units_sold type bigint`);
    await client.query(`alter table warehouse.dim_staff alter column email_address type varchar(200)`);
    const after = await withBinaryCopy(client, plans);
    expect(
      after
        .filter((p) => !p.binaryCopy)
        .map((p) => p.table)
        .sort(),
    ).toEqual(["dim_staff", "fact_sales_order"]);
  });

  it("encodes a file as text when one value is one the binary format leaves to PostgreSQL", async () => {
    const rows = starRowsOf();
    const plan = { ...tablePlan("fact_sales_order"), binaryCopy: true };
    const good = rows.fact_sales_order ?? [];
    const odd = good.map((r, i) => (i === 1 ? { ...r, created_time: "24:00:00" } : r));

    const asBinary = await encodeParquet(plan, starParquet("fact_sales_order", good), "good.parquet");
    const asText = await encodeParquet(plan, starParquet("fact_sales_order", odd), "odd.parquet");
    const keys = (e: typeof asText) => [...(e.keys?.complete().get("created_date") ?? [])].sort();

    expect(asBinary.format).toBe("binary");
    expect(asText.format).toBe("text");
    expect(Buffer.concat(asText.chunks).toString("utf8")).toContain("\t24:00:00\t");
    // The text pass collects the reference keys afresh: the same keys, none twice.
    expect(keys(asText)).toEqual(keys(asBinary));
  });

  it("loads a run into a warehouse whose columns were changed by hand, as text, with the same rows", async () => {
    const plain = await database("copybinarytarget");
    const altered = await database("copybinaryaltered");
    for (const client of [plain, altered])
      for (const sql of [...warehouseDdl(), ...controlDdl()]) await client.query(sql);
    await altered.query(`alter table warehouse.fact_sales_order alter column units_sold type bigint`);
    const rows = starRowsOf();

    for (const client of [plain, altered]) {
      const result = await loadRunIntoPostgres(client, { runId: "run-1", tables: runTables("run-1", rows) });
      expect(result.status).toBe("loaded");
    }

    const facts = async (client: pg.Client) =>
      (
        await client.query({ text: "select * from warehouse.fact_sales_order order by 1", rowMode: "array" })
      ).rows.map((r) => r.map(String));
    const expected = await facts(plain);
    expect(expected.length).toBe(rows.fact_sales_order?.length);
    expect(await facts(altered)).toEqual(expected);
  });
});
