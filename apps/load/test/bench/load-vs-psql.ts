/**
 * Loading N `fact_sales_order` rows from Parquet (`loadParquetIntoPostgres`, the load's code path)
 * against `psql \copy` of the same rows as CSV into the same table, alternating, in a schema of
 * its own (`bench_load`, dropped first) so no warehouse is touched. Prints one line per attempt.
 *
 *   WAREHOUSE_URL=postgres://... [ROWS=1000000] [ROUNDS=2] node --import tsx apps/load/test/bench/load-vs-psql.ts
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadParquetIntoPostgres, migratePostgresWarehouse } from "@etl/db/warehouse";
import { writeParquet } from "@etl/s3-io/parquet";
import { STAR_COLUMNS } from "@etl/schemas";
import pg from "pg";
import { expectedParquetColumns } from "../../src/runs/steps/parquet-footer";

const url = process.env.WAREHOUSE_URL ?? "";
const rows = Number(process.env.ROWS ?? 1_000_000);
const rounds = Number(process.env.ROUNDS ?? 2);
const schema = "bench_load";
const pad = (n: number, width = 2) => String(n).padStart(width, "0");
const day = (d: number) => new Date(Date.UTC(2022, 10, 3) + d * 86_400_000).toISOString().slice(0, 10);

function factRows() {
  const out = [];
  for (let i = 1; i <= rows; i++) {
    const time = `${pad(8 + (i % 11))}:${pad(i % 60)}:${pad((i * 7) % 60)}.${pad((i * 7919) % 1_000_000, 6)}`;
    out.push({
      sales_order_id: i,
      created_date: day(i % 700),
      created_time: time,
      last_updated_date: day(i % 700),
      last_updated_time: time,
      sales_staff_id: 1 + (i % 20),
      counterparty_id: 1 + (i % 20),
      units_sold: 1000 + (i % 99_000),
      unit_price: `${2 + (i % 2)}.${pad(i % 100)}`,
      currency_id: 1 + (i % 3),
      design_id: 1 + (i % 500),
      agreed_payment_date: day(i % 1300),
      agreed_delivery_date: day((i * 3) % 1300),
      agreed_delivery_location_id: 1 + (i % 30),
    });
  }
  return out;
}

async function main() {
  if (!url) throw new Error("set WAREHOUSE_URL");
  const dir = mkdtempSync(join(tmpdir(), "load-bench-"));
  const facts = factRows();
  const columns = STAR_COLUMNS.fact_sales_order.map((c) => c.name);
  const bytes = writeParquet(
    expectedParquetColumns("fact_sales_order").map((c) => ({ ...c, nullable: false })),
    facts,
  );
  const csv = join(dir, "facts.csv");
  writeFileSync(
    csv,
    `${facts.map((r) => columns.map((c) => (r as Record<string, unknown>)[c]).join(",")).join("\n")}\n`,
  );
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`drop schema if exists ${schema} cascade; drop schema if exists bench_etl cascade`);
    await migratePostgresWarehouse(client, schema, "bench_etl");
    await client.query(`
      insert into ${schema}.dim_date select d::date, extract(year from d), extract(month from d), extract(day from d),
        extract(isodow from d), trim(to_char(d, 'Day')), trim(to_char(d, 'Month')), extract(quarter from d)
        from generate_series(date '2022-01-01', date '2027-01-01', interval '1 day') d;
      insert into ${schema}.dim_staff select i, 'f', 'l', 'd', 'x', 'e' from generate_series(1, 20) i;
      insert into ${schema}.dim_location select i, 'a', null, null, 'c', 'p', 'c', 'p' from generate_series(1, 30) i;
      insert into ${schema}.dim_currency select i, 'GBP', 'Pound Sterling' from generate_series(1, 3) i;
      insert into ${schema}.dim_design select i, 'd', 'f', 'f' from generate_series(1, 500) i;
      insert into ${schema}.dim_counterparty select i, 'n', 'a', null, null, 'c', 'p', 'c', 'p' from generate_series(1, 20) i;
      analyze`);
    console.log(`${rows} rows: Parquet ${bytes.byteLength} bytes (one row group), CSV as the reference`);
    for (let round = 1; round <= rounds; round++) {
      for (const side of ["psql", "ours"] as const) {
        await client.query(`truncate ${schema}.fact_sales_order; checkpoint`);
        const started = performance.now();
        if (side === "psql") {
          execFileSync("psql", [
            url,
            "-X",
            "-q",
            "-c",
            `\\copy ${schema}.fact_sales_order (${columns.join(", ")}) from '${csv}' with (format csv)`,
          ]);
        } else {
          await loadParquetIntoPostgres(client, { schema, table: "fact_sales_order", files: [bytes] });
        }
        const seconds = (performance.now() - started) / 1000;
        console.log(
          `round ${round} ${side === "psql" ? "psql \\copy CSV      " : "loadParquetIntoPostgres"} ${seconds.toFixed(2)} s`,
        );
      }
    }
    await client.query(`drop schema ${schema} cascade; drop schema bench_etl cascade`);
  } finally {
    await client.end();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
