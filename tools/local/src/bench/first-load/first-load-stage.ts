import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { DeleteBucketCommand } from "@aws-sdk/client-s3";
import { quoteIdent } from "@etl/db";
import { migratePostgresWarehouse } from "@etl/db/warehouse";
import { localS3Client } from "@etl/local-cloud";
import type { ObjectStore } from "@etl/s3-io";
import { createS3ObjectStore } from "@etl/s3-io/aws";
import {
  ProcessedRunManifestSchema,
  type RunId,
  SOURCE_TABLE_NAMES,
  type SourceTable,
  STAR_TABLE_NAMES,
  type StarTable,
} from "@etl/schemas";
import pg from "pg";
import { type BenchRow, type BenchStage, round, row } from "../bench-row";
import { type CaseResult, runCase } from "../measure";
import {
  createFloorTables,
  downloadPrefix,
  ingestReference,
  loadFloor,
  rowByRow,
  starCsv,
} from "./references";

/** Rows inserted one at a time for the row-by-row reference; the rest is extrapolated. */
const ROW_BY_ROW_SAMPLE = 2000;
/** The connections the ingest reads its tables on (its READ_CONNECTIONS); the reference uses as many. */
export const FIRST_LOAD_INGEST_CONNECTIONS = 3;

/** A new, empty database on the warehouse's server; returns its URL. */
async function freshDatabase(warehouseUrl: string, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: warehouseUrl });
  await admin.connect();
  try {
    await admin.query(`drop database if exists ${quoteIdent(name)} with (force)`);
    await admin.query(`create database ${quoteIdent(name)}`);
  } finally {
    await admin.end();
  }
  const url = new URL(warehouseUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * Lets the disk settle before a timed step: the files the step before wrote are flushed (`sync`)
 * and the warehouse server checkpoints, so no step pays for the writeback of another.
 */
async function settle(serverUrl: string): Promise<void> {
  execFileSync("sync");
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query("checkpoint");
  } finally {
    await client.end();
  }
}

async function migrated(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await migratePostgresWarehouse(client);
  } finally {
    await client.end();
  }
  return url;
}

/**
 * The whole first load of the seeded totesys (all eleven tables, every stage, each stage in a
 * process of its own as on Lambda) into a fresh warehouse, then each stage's reference on the
 * same data: the ingest against `COPY (SELECT ...) TO STDOUT | gzip` on as many connections,
 * the transform against DuckDB over the same raw files, the load against COPY of the same rows as
 * CSV into unconstrained tables (the floor), and the row-by-row reference, timed on a sample and
 * extrapolated.
 */
export const firstLoadStage: BenchStage = async (ctx) => {
  const suffix = randomUUID().slice(0, 8);
  const names = {
    INGEST_BUCKET: `fl-ingest-${suffix}`,
    PROCESSED_BUCKET: `fl-processed-${suffix}`,
    LANDING_BUCKET: `fl-landing-${suffix}`,
    STATE_TABLE: `fl-state-${suffix}`,
    AUDIT_TABLE: `fl-audit-${suffix}`,
    FAILURE_TABLE: `fl-failures-${suffix}`,
  };
  const dir = join(ctx.workDir, "first-load");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const warehouseUrl = await migrated(await freshDatabase(ctx.endpoints.warehouseUrl, "bench_first_load"));
  const base = {
    endpoints: { ...ctx.endpoints, dataDir: join(dir, "pipeline") },
    localS3: ctx.localS3Server ?? true,
    names: { ...names, READ_CONNECTIONS: String(FIRST_LOAD_INGEST_CONNECTIONS) },
    warehouseUrl,
  };
  ctx.log(`first load: ${ctx.scale.toLocaleString("en-GB")} sales orders, all tables, every stage`);
  const server = ctx.endpoints.warehouseUrl;
  await settle(server);
  const ingest = await runCase("first-load-stage", { ...base, stage: "ingest" });
  const runId = String(ingest.detail?.runId) as RunId;
  ctx.log(`  ingest    ${ingest.wall_s.toFixed(1)} s, ${ingest.rows.toLocaleString("en-GB")} rows`);
  await settle(server);
  const transform = await runCase("first-load-stage", { ...base, stage: "transform", runId });
  ctx.log(`  transform ${transform.wall_s.toFixed(1)} s`);
  await settle(server);
  const load = await runCase("first-load-stage", { ...base, stage: "load", runId });
  ctx.log(`  load      ${load.wall_s.toFixed(1)} s, ${load.rows.toLocaleString("en-GB")} star rows`);

  const s3 = localS3Client(ctx.endpoints);
  const store = createS3ObjectStore(s3, { localServer: base.localS3 });
  const sourceRows = (ingest.detail?.tables ?? {}) as Record<SourceTable, number>;
  ctx.log("  references: ingest (psql COPY | gzip)");
  await settle(server);
  const ingestRef = await ingestReference({
    databaseUrl: ctx.endpoints.databaseUrl,
    rows: Object.fromEntries(SOURCE_TABLE_NAMES.map((t) => [t, sourceRows[t] ?? 0])) as Record<
      SourceTable,
      number
    >,
    connections: FIRST_LOAD_INGEST_CONNECTIONS,
    dir: join(dir, "reference-ingest"),
  });

  ctx.log("  references: transform (DuckDB, the same raw files; downloading them is not timed)");
  const rawDir = join(dir, "raw");
  await downloadPrefix(store, names.INGEST_BUCKET, "raw/", rawDir);
  await settle(server);
  const duckdb = await runCase("first-load-duckdb", { rawDir, outDir: join(dir, "duckdb") });

  ctx.log("  references: load floor (COPY of the same rows as CSV, no constraints; the CSV is not timed)");
  const manifest = ProcessedRunManifestSchema.parse(
    JSON.parse(Buffer.from(await store.get(names.PROCESSED_BUCKET, `runs/${runId}.json`)).toString("utf8")),
  );
  const starDir = join(dir, "star");
  const files = Object.fromEntries(STAR_TABLE_NAMES.map((t) => [t, [] as string[]])) as Record<
    StarTable,
    string[]
  >;
  for (const file of manifest.files) {
    const [path] = await downloadPrefix(store, names.PROCESSED_BUCKET, file.key, join(starDir, file.key));
    if (path) files[file.table].push(path);
  }
  const starRows = manifest.files.reduce((n, f) => n + f.rows, 0);
  const { csv, samples } = await starCsv(files, join(dir, "csv"), ROW_BY_ROW_SAMPLE, starRows);
  const floorUrl = await freshDatabase(ctx.endpoints.warehouseUrl, "bench_first_load_floor");
  await createFloorTables(floorUrl, "floor");
  await settle(server);
  const floor = await loadFloor(floorUrl, "floor", csv);
  const sample = await rowByRow(floorUrl, "floor", samples);
  const perRow = sample.seconds / Math.max(1, sample.rows);
  ctx.log(
    `  row-by-row: ${sample.rows.toLocaleString("en-GB")} sampled rows in ${sample.seconds.toFixed(2)} s, ` +
      `extrapolated to ${starRows.toLocaleString("en-GB")} rows: ${(perRow * starRows).toFixed(0)} s (not measured in full)`,
  );

  ctx.log("  removing this first load's buckets");
  await removeBuckets(s3, store, [names.INGEST_BUCKET, names.PROCESSED_BUCKET, names.LANDING_BUCKET]);
  s3.destroy();
  return firstLoadRows({ ingest, transform, load, duckdb }, { ingestRef, floor, sample, starRows });
};

/**
 * Empties and deletes a first load's buckets (its raw and star files, about 300 MB at 1M
 * orders), so a bench run leaves no data behind in the local S3 it was not there with.
 */
async function removeBuckets(
  s3: ReturnType<typeof localS3Client>,
  store: ObjectStore,
  buckets: readonly string[],
): Promise<void> {
  for (const bucket of buckets) {
    const keys: string[] = [];
    for await (const object of store.list(bucket, "")) keys.push(object.key);
    for (const key of keys) await store.delete(bucket, key);
    await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
  }
}

function firstLoadRows(
  ours: { ingest: CaseResult; transform: CaseResult; load: CaseResult; duckdb: CaseResult },
  refs: { ingestRef: number; floor: number; sample: { rows: number; seconds: number }; starRows: number },
): BenchRow[] {
  const { ingest, transform, load, duckdb } = ours;
  const wall = ingest.wall_s + transform.wall_s + load.wall_s;
  const referenceWall = refs.ingestRef + duckdb.wall_s + refs.floor;
  const extrapolated = (refs.sample.seconds / Math.max(1, refs.sample.rows)) * refs.starRows;
  return [
    {
      ...row(
        "first-load",
        {
          rows: ingest.rows,
          wall_s: wall,
          peak_rss_mb: Math.max(ingest.peak_rss_mb, transform.peak_rss_mb, load.peak_rss_mb),
        },
        "the three stage references, one after another",
        referenceWall,
        "wall <= 45 s at 1M orders, every stage process <= 512 MB",
      ),
      detail: {
        stages: {
          ingest: { wall_s: round(ingest.wall_s), peak_rss_mb: Math.round(ingest.peak_rss_mb) },
          transform: { wall_s: round(transform.wall_s), peak_rss_mb: Math.round(transform.peak_rss_mb) },
          load: { wall_s: round(load.wall_s), peak_rss_mb: Math.round(load.peak_rss_mb) },
        },
        star_rows: refs.starRows,
      },
    },
    row(
      "first-load-ingest",
      ingest,
      `psql COPY (SELECT ...) TO STDOUT | gzip -6 of every table, ${FIRST_LOAD_INGEST_CONNECTIONS} connection(s)`,
      refs.ingestRef,
      "ratio <= 1.2",
    ),
    {
      ...row(
        "first-load-transform",
        transform,
        "DuckDB, the same raw files -> the 11 star tables as Parquet",
        duckdb.wall_s,
        "ratio <= 1.5",
      ),
      reference_peak_rss_mb: Math.round(duckdb.peak_rss_mb),
      detail: { tables: transform.detail?.tables, reference_tables: duckdb.detail?.tables },
    },
    row(
      "first-load-load",
      load,
      "COPY of the same rows as CSV into the same tables without constraints (the floor)",
      refs.floor,
      "ratio <= 2",
    ),
    {
      stage: "row-by-row",
      rows: refs.starRows,
      wall_s: round(extrapolated),
      peak_rss_mb: 0,
      reference: "first-load-load (ours)",
      reference_wall_s: round(load.wall_s),
      ratio: round(extrapolated / load.wall_s),
      target: "ratio >= 50 (ours 50 times faster)",
      detail: {
        extrapolated: true,
        how: "one autocommitted INSERT per row into the floor's unconstrained tables, timed on a sample",
        sample_rows: refs.sample.rows,
        sample_s: round(refs.sample.seconds),
      },
    },
  ];
}
