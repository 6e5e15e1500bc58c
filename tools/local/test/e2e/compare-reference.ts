/**
 * Compares a local warehouse with the reference star schema computed from its OLTP database,
 * table by table, by count and multiset hash (`reference-digest.ts`): the check of a large first
 * load (`etl seed --scale 1000000` then `etl run`), where no change followed the seed.
 *
 *   node --import tsx test/e2e/compare-reference.ts [--data-dir DIR]
 *
 * Exits 1 when any table differs.
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { openLocalEnvironment } from "../../src/environment";
import { referenceDigests } from "./reference-digest";

const { values } = parseArgs({ options: { "data-dir": { type: "string" } } });
const dataDir = resolve(values["data-dir"] ?? process.env.ETL_DATA_DIR ?? "../../.etl");
const local = await openLocalEnvironment(dataDir);
const oltp = new pg.Client({ connectionString: local.env.DATABASE_URL });
const warehouse = new pg.Client({ connectionString: local.env.WAREHOUSE_URL });
let differing = 0;
try {
  await oltp.connect();
  await warehouse.connect();
  for (const d of await referenceDigests(oltp, warehouse)) {
    const same = d.expected.rows === d.warehouse.rows && d.expected.hash === d.warehouse.hash;
    if (!same) differing += 1;
    console.log(
      `${d.table.padEnd(20)} reference ${d.expected.rows.toLocaleString("en-GB").padStart(10)}` +
        `  warehouse ${d.warehouse.rows.toLocaleString("en-GB").padStart(10)}  ${same ? "equal" : "DIFFERENT"}`,
    );
  }
} finally {
  await oltp.end().catch(() => undefined);
  await warehouse.end().catch(() => undefined);
  await local.close();
}
console.log(differing === 0 ? "the warehouse equals the reference" : `${differing} table(s) differ`);
process.exitCode = differing === 0 ? 0 : 1;
