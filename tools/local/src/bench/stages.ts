import { createWriteStream, existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { quoteIdent } from "@etl/db";
import { migratePostgresWarehouse } from "@etl/db/warehouse";
import { readParquet } from "@etl/s3-io/parquet-read";
import { STAR_COLUMNS } from "@etl/schemas";
import pg from "pg";
import { type BenchStage, row } from "./bench-row";
import { firstLoadStage } from "./first-load/first-load-stage";
import { runCase, timeShell } from "./measure";
import { transformSalesOrdersBench, writeSalesOrdersRawRun } from "./transform";

/** Ingest of `scale` sales orders against `COPY (SELECT ...) TO STDOUT | gzip` of the same rows. */
export const ingestStage: BenchStage = async (ctx) => {
  ctx.log(`ingest: ${ctx.scale.toLocaleString("en-GB")} sales orders -> gzip JSON Lines in S3`);
  const ours = await runCase("ingest", {
    databaseUrl: ctx.endpoints.databaseUrl,
    s3Endpoint: ctx.endpoints.s3Endpoint,
    dynamodbEndpoint: ctx.endpoints.dynamodbEndpoint,
    region: ctx.endpoints.region,
  });
  const out = join(ctx.workDir, "reference-ingest.gz");
  const referenceWall = await timeShell(
    `psql "$URL" -X -q -c "\\copy (select * from sales_order order by last_updated, sales_order_id) to stdout" | gzip -6 > "${out}"`,
    { URL: ctx.endpoints.databaseUrl },
  );
  return [
    row(
      "ingest",
      ours,
      "psql COPY (SELECT ...) TO STDOUT | gzip -6",
      referenceWall,
      "ratio <= 2, peak RSS < 256 MB",
    ),
  ];
};

/**
 * Transform of `scale` sales orders from raw gzip JSON Lines to `fact_sales_order` Parquet
 * (validated, formatted, typed for Redshift) against DuckDB's `read_json` → `COPY TO` Parquet
 * with the same columns and types. Both read the same files from disk.
 */
export const transformStage: BenchStage = async (ctx) => {
  ctx.log(
    `transform: ${ctx.scale.toLocaleString("en-GB")} sales orders, raw JSON Lines -> fact_sales_order Parquet`,
  );
  const dir = join(ctx.workDir, "transform");
  const raw = await writeSalesOrdersRawRun({ dir, rows: ctx.scale });
  const ours = await runCase("transform", { dir, runId: raw.runId });
  const reference = await runCase("transform-duckdb", {
    files: raw.files,
    output: join(dir, "duckdb.parquet"),
  });
  return [
    {
      ...row(
        "transform",
        ours,
        "DuckDB read_json -> COPY TO parquet",
        reference.wall_s,
        "ratio <= 3, peak RSS < 512 MB",
      ),
      reference_peak_rss_mb: Math.round(reference.peak_rss_mb),
    },
  ];
};

function parquetFilesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".parquet"))
    .map((f) => join(dir, f))
    .sort();
}

/**
 * Load of `scale` fact_sales_order rows from Parquet into PostgreSQL (staging COPY, then the
 * insert of new versions with the table's unique key and foreign keys) against `psql \copy` of
 * the same rows as CSV straight into the same, empty, table.
 */
export const loadStage: BenchStage = async (ctx) => {
  ctx.log(`load: ${ctx.scale.toLocaleString("en-GB")} fact_sales_order rows, Parquet -> PostgreSQL`);
  const transformDir = join(ctx.workDir, "transform");
  let files = parquetFilesUnder(join(transformDir, "processed", "star", "fact_sales_order"));
  const rowsIn = async () => {
    let n = 0;
    for (const f of files) n += (await readParquet(new Uint8Array(readFileSync(f)))).length;
    return n;
  };
  if (files.length === 0 || (await rowsIn()) !== ctx.scale) {
    ctx.log("  preparing the Parquet files (untimed)");
    const raw = await writeSalesOrdersRawRun({ dir: transformDir, rows: ctx.scale });
    await transformSalesOrdersBench({ dir: transformDir, runId: raw.runId });
    files = parquetFilesUnder(join(transformDir, "processed", "star", "fact_sales_order"));
  }
  const url = await freshWarehouse(ctx.endpoints.warehouseUrl, "bench_load");
  const csv = join(ctx.workDir, "fact_sales_order.csv");
  const columns = STAR_COLUMNS.fact_sales_order.map((c) => c.name);
  await writeCsv(files, columns, csv);
  const referenceWall = await timeShell(
    `psql "$URL" -X -q -c "copy warehouse.fact_sales_order (${columns.join(", ")}) from '${csv}' with (format csv)"`,
    { URL: url },
  );
  const referenceRows = await countAndEmpty(url);
  const ours = await runCase("load", { warehouseUrl: url, files });
  const loaded = await countAndEmpty(url);
  if (referenceRows !== ctx.scale || loaded !== ctx.scale) {
    throw new Error(
      `load bench: expected ${ctx.scale} rows, reference loaded ${referenceRows}, ours ${loaded}`,
    );
  }
  return [
    row(
      "load",
      { ...ours, rows: loaded },
      "psql \\copy of the same rows as CSV",
      referenceWall,
      "ratio <= 1.5",
    ),
  ];
};

/** A new warehouse database with the schema and every dimension row the bench facts reference. */
async function freshWarehouse(warehouseUrl: string, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: warehouseUrl });
  await admin.connect();
  await admin.query(`drop database if exists ${quoteIdent(name)} with (force)`);
  await admin.query(`create database ${quoteIdent(name)}`);
  await admin.end();
  const url = new URL(warehouseUrl);
  url.pathname = `/${name}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    await migratePostgresWarehouse(client);
    await client.query(`
      insert into warehouse.dim_date
        select d, extract(year from d), extract(month from d), extract(day from d), extract(isodow from d),
               trim(to_char(d, 'Day')), trim(to_char(d, 'Month')), extract(quarter from d)
          from generate_series(date '2022-01-01', date '2027-12-31', interval '1 day') as g(d);
      insert into warehouse.dim_design select i, 'design ' || i, '/designs', 'design-' || i || '.json' from generate_series(1, 500) i;
      insert into warehouse.dim_staff select i, 'First', 'Last', 'Sales', 'Leeds', 'first.last@example.com' from generate_series(1, 20) i;
      insert into warehouse.dim_location select i, i || ' High Street', null, null, 'Leeds', 'LS1', 'UK', '0113' from generate_series(1, 30) i;
      insert into warehouse.dim_counterparty select i, 'Counterparty ' || i, 'Line 1', null, null, 'Leeds', 'LS1', 'UK', '0113' from generate_series(1, 20) i;
      insert into warehouse.dim_currency values (1, 'GBP', 'Pound Sterling'), (2, 'USD', 'US Dollar'), (3, 'EUR', 'Euro');
      analyze;
    `);
  } finally {
    await client.end();
  }
  return url.toString();
}

async function countAndEmpty(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>(
      "select count(*) as n from warehouse.fact_sales_order",
    );
    await client.query("truncate warehouse.fact_sales_order");
    await client.query("vacuum analyze warehouse.fact_sales_order");
    return Number(rows[0]?.n ?? 0);
  } finally {
    await client.end();
  }
}

async function writeCsv(files: string[], columns: string[], path: string): Promise<void> {
  const out = createWriteStream(path);
  const cell = (v: unknown) => {
    if (v === null || v === undefined) return "";
    const text = String(v);
    return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  for (const file of files) {
    const rows = await readParquet(new Uint8Array(readFileSync(file)));
    const lines = rows.map((r) => columns.map((c) => cell((r as Record<string, unknown>)[c])).join(","));
    if (!out.write(`${lines.join("\n")}\n`)) await new Promise<void>((r) => out.once("drain", () => r()));
  }
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
}

export const STAGES: Record<string, BenchStage> = {
  ingest: ingestStage,
  transform: transformStage,
  load: loadStage,
  "first-load": firstLoadStage,
};
