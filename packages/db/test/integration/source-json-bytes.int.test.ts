import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { freshDatabase } from "@etl/local-cloud/testing";
import pg from "pg";
import { to as copyTo } from "pg-copy-streams";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CopyTextToJsonLines } from "../../src/source/copy-json";
import { openSourceSnapshot } from "../../src/source/snapshot";
import { selectColumns, TS_FORMAT } from "../../src/source/table-stream";

let client: pg.Client;

// A source table of every column type the raw files have carried, with the values that JSON and
// COPY each escape: the reader's bytes are compared with `row_to_json` of the same row, the form
// the raw contract was first written in.
beforeAll(async () => {
  client = new pg.Client({ connectionString: await freshDatabase("json_bytes") });
  await client.connect();
  await client.query(`
    create table staff (
      staff_id integer primary key, first_name text, odd_name varchar, small smallint, big bigint,
      price numeric(10, 2), wide numeric, ratio double precision, flag boolean, born date,
      created_at timestamp, stamped timestamptz, doc jsonb, tags text[], last_updated timestamp not null)`);
  await client.query(`
    insert into staff values
      (1, 'plain', 'a', 1, 9007199254740993, 3.50, 12345678901234567890.123456789, 0.1, true, '2024-03-04',
       '2024-03-04 10:11:12.123456', '2024-03-04 10:11:12.5+02', '{"b": [1, "x"], "a": null}', '{x,"y z"}',
       '2024-03-04 10:11:12.123456'),
      (2, null, null, null, null, null, null, null, null, null, null, null, null, null, '2024-03-04 10:11:12'),
      (3, 'quote " back \\ slash / tab' || chr(9) || 'nl' || chr(10) || 'cr' || chr(13) || 'ctl' || chr(1) || chr(2),
       'ünïcödé ✓ 𝄞 日本', -32768, -9223372036854775808, -0.01, 'NaN', 'NaN', false, '0001-01-01',
       '1999-12-31 23:59:59', 'infinity', '"just a string"', '{}', '2024-03-04 10:11:12.000001'),
      (4, '', '\\\\', 32767, 0, 0, 1e-20, 'Infinity', null, 'infinity', '-infinity', '2024-03-04 10:11:12.000001 BC',
       '[1.5e3, "\\u00e9"]', '{null}', '2024-03-04 10:11:12.000001'),
      (5, 'vt' || chr(11) || 'ff' || chr(12) || 'bs' || chr(8) || 'esc' || chr(27) || 'us' || chr(31) || 'del' || chr(127),
       'a\\\\b', 1, 1, 1, 'Infinity', '-Infinity', true, '2024-02-28 BC', '2024-03-04 10:11:12.000001 BC', null,
       'null', '{"a\\\\b"}', '2024-03-04 10:11:12.12'),
      (6, '\\N', e'tab\\there', 2, 2, 2, '-Infinity', '-0', false, '10000-01-01', '12345-06-07 08:09:10.5', '1970-01-01',
       '1', '{}', '2024-03-04 10:11:12.12345'),
      (7, e'\\\\', '"', 3, 3, 3, 0.000, 1e300, true, '1999-01-01', 'infinity', null, '{}', null, '2024-03-04 10:11:12.1')`);
});

afterAll(async () => {
  await client.end();
});

async function copyOut(sql: string): Promise<string> {
  const chunks: Buffer[] = [];
  const stream = client.query(copyTo(sql));
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

async function streamed(): Promise<string> {
  const snapshot = await openSourceSnapshot(client, 0);
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      done();
    },
  });
  await snapshot.streamTable("staff", null, sink);
  await snapshot.close();
  return Buffer.concat(chunks).toString("utf8");
}

const expectedSql = `copy (select row_to_json(r)::text from (select staff_id, first_name,
        odd_name, small, big, price::text as price, wide::text as wide, ratio, flag, born,
        to_char(created_at, '${TS_FORMAT}') as created_at, to_char(stamped, '${TS_FORMAT}') as stamped,
        doc, tags, to_char(last_updated, '${TS_FORMAT}') as last_updated
        from staff order by last_updated, staff_id) r) to stdout with (format csv, delimiter e'\\x02', quote e'\\x01')`;

describe("the source reader's JSON Lines bytes", () => {
  it("are row_to_json of the row, with numerics as text and timestamps in the contract's format", async () => {
    const expected = await copyOut(expectedSql);

    const actual = await streamed();

    expect(expected.split("\n")).toHaveLength(8);
    expect(actual).toBe(expected);
  });

  it("are the same when COPY's text reaches the encoder one byte at a time", async () => {
    const expected = await copyOut(expectedSql);
    const { rows } = await client.query<{ column_name: string; data_type: string }>(
      `select column_name, data_type from information_schema.columns
        where table_name = 'staff' order by ordinal_position`,
    );
    const { list, columns } = selectColumns(rows);
    const text = Buffer.from(
      await copyOut(`copy (select ${list} from staff order by last_updated, staff_id) to stdout`),
    );
    const bytes = Array.from(text, (_, i) => text.subarray(i, i + 1));

    const chunks: Buffer[] = [];
    await pipeline(
      Readable.from(bytes),
      new CopyTextToJsonLines(columns),
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          chunks.push(chunk);
          done();
        },
      }),
    );

    expect(bytes.length).toBeGreaterThan(500);
    expect(Buffer.concat(chunks).toString("utf8")).toBe(expected);
  });
});
