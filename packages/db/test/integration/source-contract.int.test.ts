import { Writable } from "node:stream";
import { freshDatabase } from "@etl/local-cloud/testing";
import {
  SOURCE_SCHEMAS,
  SOURCE_TABLE_NAMES,
  type SourceRow,
  type SourceTable,
  toDimCounterparty,
  toDimStaff,
  toFactPayment,
  toFactSalesOrder,
} from "@etl/schemas";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { oltpDdl } from "../../src/ddl/oltp";
import { openSourceSnapshot } from "../../src/source/snapshot";

let client: pg.Client;

beforeAll(async () => {
  client = new pg.Client({ connectionString: await freshDatabase("contract") });
  await client.connect();
  for (const sql of oltpDdl()) await client.query(sql);
  const at = "'2024-03-04 10:11:12.123456'";
  await client.query(`
    insert into address values
      (1, '6826 Herzog Via', null, null, 'New Patienceburgh', '28441', 'Turkey', '1803 637401', ${at}, ${at});
    insert into counterparty values (1, 'Fahey and Sons', 1, null, 'Lucy Toy', ${at}, ${at});
    insert into currency values (1, 'GBP', ${at}, ${at});
    insert into department values (1, 'Dispatch', 'Leds', null, '2024-03-04 10:11:12', '2024-03-04 10:11:12');
    insert into design values (1, ${at}, 'Wooden', '/usr', 'wooden.json', ${at});
    insert into staff values (1, 'Jeremie', 'Franey', 1, 'jeremie.franey@terrifictotes.com', ${at}, ${at});
    insert into sales_order values (1, ${at}, '2024-03-04 10:11:12.5', 1, 1, 1, 100, 3.5, 1, '2024-05-01', '2024-05-02', 1);
    insert into purchase_order values (1, ${at}, ${at}, 1, 1, 'ZDOI5EA', 3, 361.39, 1, '2024-05-01', '2024-05-02', 1);
    insert into payment_type values (1, 'SALES_RECEIPT', ${at}, ${at});
    insert into "transaction" values (1, 'SALE', 1, null, ${at}, ${at});
    insert into payment values (1, ${at}, ${at}, 1, 1, 350.00, 1, 1, false, '2024-05-02', 12345678, 87654321);
  `);
});

afterAll(async () => {
  await client.end();
});

async function exported(): Promise<Record<SourceTable, unknown[]>> {
  const snapshot = await openSourceSnapshot(client, 0);
  const tables = {} as Record<SourceTable, unknown[]>;
  for (const table of SOURCE_TABLE_NAMES) {
    const chunks: Buffer[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        chunks.push(chunk);
        done();
      },
    });
    await snapshot.streamTable(table, null, sink);
    tables[table] = Buffer.concat(chunks)
      .toString("utf8")
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line));
  }
  await snapshot.close();
  return tables;
}

describe("the source reader's JSON Lines against the source schemas", () => {
  it("parses every table of the local totesys DDL as exported, and formats it", async () => {
    const rows = await exported();

    const parse = <T extends SourceTable>(table: T) =>
      rows[table].map((row) => SOURCE_SCHEMAS[table].parse(row)) as SourceRow<T>[];
    for (const table of SOURCE_TABLE_NAMES) parse(table);
    const [sale] = toFactSalesOrder(parse("sales_order"));
    const [staff] = toDimStaff(parse("staff"), parse("department"));
    const [counterparty] = toDimCounterparty(parse("counterparty"), parse("address"));
    const [payment] = toFactPayment(parse("payment"));

    expect(SOURCE_TABLE_NAMES.map((t) => rows[t].length)).toEqual(SOURCE_TABLE_NAMES.map(() => 1));
    expect(sale).toMatchObject({
      created_time: "10:11:12.123456",
      last_updated_time: "10:11:12.500000",
      unit_price: "3.50",
    });
    expect(staff).toMatchObject({ department_name: "Dispatch", location: "Leds" });
    expect(counterparty).toMatchObject({
      counterparty_legal_address_line_2: null,
      counterparty_legal_district: null,
    });
    expect(payment).toMatchObject({ payment_amount: "350.00", paid: false, payment_date: "2024-05-02" });
  });
});
