import { Writable } from "node:stream";
import { freshDatabase } from "@etl/local-cloud/testing";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { oltpDdl } from "../../src/ddl/oltp";
import { openSourceSnapshot } from "../../src/source/snapshot";

let client: pg.Client;
let writer: pg.Client;

beforeAll(async () => {
  const url = await freshDatabase("source_keys");
  client = new pg.Client({ connectionString: url });
  writer = new pg.Client({ connectionString: url });
  await client.connect();
  await writer.connect();
  for (const sql of oltpDdl()) await client.query(sql);
  await client.query(
    `insert into currency (currency_id, currency_code, created_at, last_updated)
     values (30, 'GBP', now(), now()), (4, 'USD', now(), now()), (1000000, 'EUR', now() + interval '1 day', now() + interval '1 day')`,
  );
});

afterAll(async () => {
  await client.end();
  await writer.end();
});

/** Collects what the snapshot streams. */
function collect(): { sink: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      done();
    },
  });
  return { sink, text: () => Buffer.concat(chunks).toString() };
}

describe("SourceSnapshot.streamKeys", () => {
  it("streams every primary key of the table, one per line, whatever its last_updated", async () => {
    const snapshot = await openSourceSnapshot(client, 60, { lateCommitGuard: "best-effort" });
    const { sink, text } = collect();

    await snapshot.streamKeys("currency", sink);
    await snapshot.close();

    expect(
      text()
        .split("\n")
        .filter(Boolean)
        .map(Number)
        .sort((a, b) => a - b),
    ).toEqual([4, 30, 1000000]);
  });

  it("reads the keys of the snapshot, not rows deleted after it began", async () => {
    const snapshot = await openSourceSnapshot(client, 0, { lateCommitGuard: "best-effort" });
    await snapshot.describeColumns();
    await writer.query("delete from currency where currency_id = 4");
    const { sink, text } = collect();

    await snapshot.streamKeys("currency", sink);
    await snapshot.close();

    expect(
      text()
        .split("\n")
        .filter(Boolean)
        .map(Number)
        .sort((a, b) => a - b),
    ).toEqual([4, 30, 1000000]);
  });
});
