import { createWriteStream } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { qualified, quoteIdent } from "@etl/db";
import { sqlType } from "@etl/db/ddl";
import type { ObjectStore } from "@etl/s3-io";
import { readParquet } from "@etl/s3-io/parquet-read";
import {
  SOURCE_TABLES,
  type SourceTable,
  STAR_COLUMNS,
  STAR_TABLE_NAMES,
  type StarTable,
} from "@etl/schemas";
import pg from "pg";
import { timeShell } from "../measure";

/** Copies every object under `prefix` of `bucket` to `<dir>/<key without prefix>`; returns the paths. */
export async function downloadPrefix(
  store: ObjectStore,
  bucket: string,
  prefix: string,
  dir: string,
): Promise<string[]> {
  const paths: string[] = [];
  for await (const object of store.list(bucket, prefix)) {
    const path = join(dir, object.key.slice(prefix.length));
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, await store.get(bucket, object.key));
    paths.push(path);
  }
  return paths;
}

/** Tables spread over `lanes` by rows, largest first onto the least loaded lane. */
export function spreadTables<T extends string>(rows: Record<T, number>, lanes: number): T[][] {
  const out: { tables: T[]; rows: number }[] = Array.from({ length: Math.max(1, lanes) }, () => ({
    tables: [],
    rows: 0,
  }));
  const tables = (Object.keys(rows) as T[]).sort((a, b) => rows[b] - rows[a]);
  for (const table of tables) {
    const lane = out.reduce((min, l) => (l.rows < min.rows ? l : min));
    lane.tables.push(table);
    lane.rows += rows[table];
  }
  return out.map((l) => l.tables).filter((t) => t.length > 0);
}

/**
 * The ingest reference: `psql \copy (SELECT ...) TO STDOUT | gzip -6` of every table in the
 * ingest's order, the tables spread over `connections` psql sessions run side by side. Seconds.
 */
export async function ingestReference(options: {
  databaseUrl: string;
  rows: Record<SourceTable, number>;
  connections: number;
  dir: string;
}): Promise<number> {
  await mkdir(options.dir, { recursive: true });
  const lanes = spreadTables(options.rows, options.connections);
  const began = performance.now();
  await Promise.all(
    lanes.map((tables) =>
      timeShell(
        tables
          .map(
            (t) =>
              `psql "$URL" -X -q -c "\\copy (select * from ${quoteIdent(t)} order by last_updated, ${quoteIdent(SOURCE_TABLES[t])}) to stdout" | gzip -6 > "${join(options.dir, `${t}.gz`)}"`,
          )
          .join(" && "),
        { URL: options.databaseUrl },
      ),
    ),
  );
  return (performance.now() - began) / 1000;
}

const cell = (v: unknown): string => {
  if (v === null || v === undefined) return "";
  const text = String(v);
  return /[",\n\r]/.test(text) || text === "" ? `"${text.replace(/"/g, '""')}"` : text;
};

/** A sample of a table's rows, as text values (null for NULL), for the row-by-row reference. */
export interface RowSample {
  table: StarTable;
  rows: (string | null)[][];
}

/**
 * Writes each star table's Parquet files as one CSV file `<dir>/<table>.csv` and keeps the
 * first `sampleRows` rows in all (spread over the tables in proportion to their rows).
 */
export async function starCsv(
  files: Record<StarTable, string[]>,
  dir: string,
  sampleRows: number,
  totalRows: number,
): Promise<{ csv: Record<StarTable, string>; samples: RowSample[] }> {
  await mkdir(dir, { recursive: true });
  const csv = {} as Record<StarTable, string>;
  const samples: RowSample[] = [];
  for (const table of STAR_TABLE_NAMES) {
    const columns = STAR_COLUMNS[table].map((c) => c.name);
    const path = join(dir, `${table}.csv`);
    const out = createWriteStream(path);
    const sample: RowSample = { table, rows: [] };
    let tableRows = 0;
    for (const file of files[table] ?? []) {
      const rows = (await readParquet(new Uint8Array(await readFile(file)))) as Record<string, unknown>[];
      tableRows += rows.length;
      for (const r of rows) {
        if (sample.rows.length >= Math.ceil((sampleRows * tableRows) / Math.max(1, totalRows))) break;
        sample.rows.push(columns.map((c) => (r[c] === null || r[c] === undefined ? null : String(r[c]))));
      }
      const lines = rows.map((r) => columns.map((c) => cell(r[c])).join(","));
      if (lines.length > 0 && !out.write(`${lines.join("\n")}\n`))
        await new Promise<void>((resolve) => out.once("drain", () => resolve()));
    }
    await new Promise<void>((resolve, reject) =>
      out.end((error?: Error | null) => (error ? reject(error) : resolve())),
    );
    csv[table] = path;
    samples.push(sample);
  }
  return { csv, samples };
}

/** The floor's schema: the star tables with their columns and types, and no constraint at all. */
export async function createFloorTables(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`drop schema if exists ${quoteIdent(schema)} cascade`);
    await client.query(`create schema ${quoteIdent(schema)}`);
    for (const table of STAR_TABLE_NAMES) {
      const columns = STAR_COLUMNS[table].map((c) => `${quoteIdent(c.name)} ${sqlType(c, "postgres")}`);
      await client.query(`create table ${qualified(schema, table)} (${columns.join(", ")})`);
    }
  } finally {
    await client.end();
  }
}

/** The load floor: one psql session `\copy`ing every table's CSV into the unconstrained tables. Seconds. */
export function loadFloor(url: string, schema: string, csv: Record<StarTable, string>): Promise<number> {
  const commands = STAR_TABLE_NAMES.map((table) => {
    const columns = STAR_COLUMNS[table].map((c) => quoteIdent(c.name)).join(", ");
    const sql = `\\copy ${qualified(schema, table)} (${columns}) from '${csv[table]}' with (format csv)`;
    return `-c ${JSON.stringify(sql)}`;
  });
  return timeShell(`psql "$URL" -X -q ${commands.join(" ")}`, { URL: url });
}

/**
 * The row-by-row reference: each sampled row as its own autocommitted INSERT (bind parameters,
 * one round trip and one commit per row) into the floor's empty tables. Returns the sample's
 * rows and seconds; the caller extrapolates.
 */
export async function rowByRow(
  url: string,
  schema: string,
  samples: RowSample[],
): Promise<{ rows: number; seconds: number }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const { table } of samples) await client.query(`truncate ${qualified(schema, table)}`);
    let rows = 0;
    const began = performance.now();
    for (const { table, rows: values } of samples) {
      const columns = STAR_COLUMNS[table].map((c) => quoteIdent(c.name));
      const sql = `insert into ${qualified(schema, table)} (${columns.join(", ")}) values (${columns.map((_, i) => `$${i + 1}`).join(", ")})`;
      for (const row of values) {
        await client.query(sql, row);
        rows += 1;
      }
    }
    return { rows, seconds: (performance.now() - began) / 1000 };
  } finally {
    await client.end();
  }
}
