import { Readable } from "node:stream";
import { freshDatabase } from "@etl/local-cloud/testing";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { controlDdl } from "../../src/ddl/control";
import { LoadDataError } from "../../src/errors";
import type { FileLoadSpec } from "../../src/file-load/file-load-spec";
import { loadFileIntoPostgres } from "../../src/file-load/postgres-file-load";
import { DEFAULT_CSV } from "../../src/file-load/postgres-file-sql";

let client: pg.Client;

beforeAll(async () => {
  client = new pg.Client({ connectionString: await freshDatabase("fileload") });
  await client.connect();
  for (const sql of controlDdl("etl")) await client.query(sql);
  await client.query("create schema landed");
  await client.query(
    `create procedure landed.refuse() language plpgsql as $$ begin raise exception 'not today'; end $$`,
  );
  await client.query(
    `create procedure landed.stamp() language plpgsql as $$ begin update landed.prices set note = 'stamped'; end $$`,
  );
});

afterAll(async () => {
  await client.end();
});

/** A file body as the object store streams it. */
const body = (chunks: string[]) => Readable.from(chunks);

let version = 0;
/** A spec for `landed.<table>`: (id, price, note), a new object version each call. */
function specFor(table: string, overrides: Partial<FileLoadSpec> = {}, rows = 2): FileLoadSpec {
  version += 1;
  return {
    schema: "landed",
    table,
    fields: [
      { column: "id", dataType: "integer" },
      { column: "price", dataType: "numeric" },
      { column: "note", dataType: "text" },
    ],
    mode: "append",
    keys: [],
    timeZone: "UTC",
    ledger: {
      controlSchema: "etl",
      key: `landed:landing/${table}/${String(version).padStart(32, "0")}`,
      runId: `files:${table}`,
      table: `landed.${table}`,
      sha256: "a".repeat(64),
      rows,
      loadedAt: new Date("2026-11-23T10:00:00.000Z"),
    },
    ...overrides,
  };
}

async function freshTable(table: string): Promise<void> {
  await client.query(`drop table if exists landed.${table}`);
  await client.query(`create table landed.${table} (id int primary key, price numeric(10,2), note text)`);
}

const rowsOf = async (table: string) =>
  (await client.query(`select id, price::text, note from landed.${table} order by id`)).rows;
const ledgerOf = async (key: string) =>
  (await client.query(`select rows::int from etl.loaded_files where key = $1`, [key])).rows;

describe("loadFileIntoPostgres", () => {
  it("appends a file's records and writes its ledger row, then skips the same version", async () => {
    await freshTable("prices");
    const spec = specFor("prices");

    const first = await loadFileIntoPostgres(client, spec, DEFAULT_CSV, body(["1,2.50,a\n", "2,3.75,\n"]));
    const again = await loadFileIntoPostgres(client, spec, DEFAULT_CSV, body(["1,2.50,a\n", "2,3.75,\n"]));

    expect(first).toEqual({ status: "loaded", rows: 2, written: 2 });
    expect(again).toEqual({ status: "already-loaded", rows: 0, written: 0 });
    expect(await rowsOf("prices")).toEqual([
      { id: 1, price: "2.50", note: "a" },
      { id: 2, price: "3.75", note: null },
    ]);
    expect(await ledgerOf(spec.ledger.key)).toEqual([{ rows: 2 }]);
  });

  it("merges by key, the last record of a key in the file winning, and runs the follow-up", async () => {
    await freshTable("prices");
    await client.query("insert into landed.prices values (1, 1.00, 'old'), (9, 9.00, 'kept')");
    const spec = specFor("prices", { mode: "merge", keys: ["id"], followUp: "landed.stamp" }, 3);

    const result = await loadFileIntoPostgres(
      client,
      spec,
      DEFAULT_CSV,
      body(["1,2.00,x\n2,3.00,y\n1,4.00,z\n"]),
    );

    expect(result).toEqual({ status: "loaded", rows: 3, written: 2 });
    expect(await rowsOf("prices")).toEqual([
      { id: 1, price: "4.00", note: "stamped" },
      { id: 2, price: "3.00", note: "stamped" },
      { id: 9, price: "9.00", note: "stamped" },
    ]);
  });

  it("replaces the table's rows with the file's", async () => {
    await freshTable("prices");
    await client.query("insert into landed.prices values (7, 7.00, 'gone')");

    await loadFileIntoPostgres(
      client,
      specFor("prices", { mode: "replace" }, 1),
      DEFAULT_CSV,
      body(["3,1.25,new\n"]),
    );

    expect(await rowsOf("prices")).toEqual([{ id: 3, price: "1.25", note: "new" }]);
  });

  it.each([
    [
      "the file holds another count of records than counted",
      "ROW_COUNT_MISMATCH",
      5,
      undefined,
      "1,1.00,a\n",
    ],
    ["a record does not fit its column", "PG_22P02", 1, undefined, "x,1.00,a\n"],
    ["the follow-up raises", "PG_P0001", 1, "landed.refuse", "1,1.00,a\n"],
    ["the follow-up does not exist", "PG_42883", 1, "landed.missing", "1,1.00,a\n"],
  ])(
    "refuses, as bad data, a load where %s, and leaves nothing behind",
    async (_name, code, rows, followUp, text) => {
      await freshTable("prices");
      const spec = specFor("prices", followUp ? { followUp } : {}, rows);

      const load = loadFileIntoPostgres(client, spec, DEFAULT_CSV, body([text]));

      await expect(load).rejects.toBeInstanceOf(LoadDataError);
      await expect(load).rejects.toMatchObject({ code, retryable: false });
      expect(await rowsOf("prices")).toEqual([]);
      expect(await ledgerOf(spec.ledger.key)).toEqual([]);
      expect((await client.query("select 1 as ok")).rows).toEqual([{ ok: 1 }]);
    },
  );
});
