/**
 * How the load should keep referential integrity, measured: the star rows of a first load (one
 * CSV per star table, as `etl bench --stage first-load` leaves them under
 * `<data>/bench/work/first-load/csv`) loaded the load's way (staging COPY, then each table's
 * merge, one transaction) into a fresh warehouse schema per option, the options alternating,
 * ROUNDS times:
 *
 * - `enforced`: the foreign keys as declared today, checked row by row by their triggers;
 * - `deferred`: the same keys `deferrable initially deferred`, checked at commit;
 * - `not-enforced`: the keys declared `not enforced` (PostgreSQL 18), plus the set-based checks;
 * - `none`: no foreign keys, plus the set-based checks (one anti-join per reference over staging).
 *
 *   WAREHOUSE_URL=postgres://... CSV_DIR=... [ROUNDS=3] [OPTIONS=enforced,none] node --import tsx packages/db/test/bench/ri-options.ts
 */
import { createReadStream } from "node:fs";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { STAR_COLUMNS, STAR_TABLE_NAMES } from "@etl/schemas";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { warehouseDdl } from "../../src/ddl/warehouse";
import { quoteIdent } from "../../src/sql";
import { referenceCheckSql } from "../../src/warehouse/reference-check";
import { createStagingSql, mergeSql, stagingTable, tablePlan } from "../../src/warehouse/statements";

type Option = "enforced" | "deferred" | "not-enforced" | "none";
const url = process.env.WAREHOUSE_URL ?? "";
const csvDir = process.env.CSV_DIR ?? "";
const rounds = Number(process.env.ROUNDS ?? 3);
const options = (process.env.OPTIONS ?? "enforced,deferred,not-enforced,none").split(",") as Option[];

function ddl(schema: string, option: Option): string[] {
  return warehouseDdl(schema).map((sql) => {
    const fk = /,\n {2}constraint "[^"]+_fkey" foreign key \([^)]+\) references [^)]+\)/g;
    if (option === "none") return sql.replace(fk, "");
    if (option === "deferred") return sql.replace(fk, (m) => `${m} deferrable initially deferred`);
    if (option === "not-enforced") return sql.replace(fk, (m) => `${m} not enforced`);
    return sql;
  });
}

async function once(option: Option, round: number): Promise<void> {
  const schema = `ri_${option.replace("-", "_")}`;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`drop schema if exists ${quoteIdent(schema)} cascade`);
  for (const sql of ddl(schema, option)) await client.query(sql);
  const times = { copy: 0, check: 0, merge: 0, commit: 0 };
  const began = performance.now();
  await client.query("begin");
  for (const table of STAR_TABLE_NAMES) {
    const plan = tablePlan(table, schema);
    let t = performance.now();
    await client.query(createStagingSql(plan));
    const columns = STAR_COLUMNS[table].map((c) => quoteIdent(c.name)).join(", ");
    await pipeline(
      createReadStream(join(csvDir, `${table}.csv`)),
      client.query(copyFrom(`copy ${stagingTable(plan)} (${columns}) from stdin with (format csv)`)),
    );
    times.copy += performance.now() - t;
    if ((option === "none" || option === "not-enforced") && plan.kind === "fact") {
      t = performance.now();
      const bad = await client.query(referenceCheckSql(plan));
      if (bad.rows.length > 0) throw new Error(`${table}: ${JSON.stringify(bad.rows)}`);
      times.check += performance.now() - t;
    }
    t = performance.now();
    await client.query(mergeSql(plan));
    times.merge += performance.now() - t;
  }
  const t = performance.now();
  await client.query("commit");
  times.commit = performance.now() - t;
  const total = (performance.now() - began) / 1000;
  const s = (ms: number) => (ms / 1000).toFixed(2);
  console.log(
    `round ${round} ${option.padEnd(12)} total ${total.toFixed(2)} s  copy ${s(times.copy)}  check ${s(times.check)}  merge ${s(times.merge)}  commit ${s(times.commit)}`,
  );
  await client.query(`drop schema ${quoteIdent(schema)} cascade`);
  await client.end();
}

for (let round = 1; round <= rounds; round++) {
  // Alternating: each round starts one option later, so no option always runs first.
  const order = options.map((_, i) => options[(i + round - 1) % options.length] as Option);
  for (const option of order) await once(option, round);
}
