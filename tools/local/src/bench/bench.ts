import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { type CloudEndpoints, startLocalCloud } from "@etl/local-cloud";
import { seedDatabase } from "@etl/synthetic";
import { writeSalesOrdersRawRun } from "@etl/transform/bench";
import { type CaseResult, runCase, timeShell } from "./measure";

/** One row of `bench/results.json`. */
export interface BenchRow {
  stage: string;
  rows: number;
  wall_s: number;
  peak_rss_mb: number;
  reference: string;
  reference_wall_s: number;
  ratio: number;
  target?: string;
  reference_peak_rss_mb?: number;
  detail?: Record<string, unknown>;
}

export interface BenchContext {
  endpoints: CloudEndpoints;
  scale: number;
  workDir: string;
  log: (line: string) => void;
}

export type BenchStage = (ctx: BenchContext) => Promise<BenchRow[]>;

const round = (n: number, places = 2) => Math.round(n * 10 ** places) / 10 ** places;

export function row(
  stage: string,
  ours: CaseResult,
  reference: string,
  referenceWall: number,
  target?: string,
): BenchRow {
  return {
    stage,
    rows: ours.rows,
    wall_s: round(ours.wall_s),
    peak_rss_mb: round(ours.peak_rss_mb, 0),
    reference,
    reference_wall_s: round(referenceWall),
    ratio: round(ours.wall_s / referenceWall),
    ...(target ? { target } : {}),
    ...(ours.detail ? { detail: ours.detail } : {}),
  };
}

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

export const STAGES: Record<string, BenchStage> = {
  ingest: ingestStage,
  transform: transformStage,
};

/**
 * The benchmark: a local cloud of its own under `<data>/bench` (kept between runs, so the seeded
 * totesys is reused when the scale matches), each stage and its reference measured in the same run.
 */
export async function runBench(options: {
  dataDir: string;
  scale: number;
  stages: string[];
  resultsFile: string;
  log: (line: string) => void;
}): Promise<BenchRow[]> {
  const dir = join(options.dataDir, "bench");
  mkdirSync(dir, { recursive: true });
  const cloud = await startLocalCloud({ dataDir: dir });
  try {
    const marker = join(dir, "seeded.json");
    const seeded = existsSync(marker)
      ? (JSON.parse(readFileSync(marker, "utf8")) as { scale: number })
      : undefined;
    if (seeded?.scale !== options.scale) {
      options.log(
        `seeding totesys at scale ${options.scale.toLocaleString("en-GB")} (once; reused by later runs)`,
      );
      const result = await seedDatabase({
        databaseUrl: cloud.endpoints.databaseUrl,
        seed: 1,
        scale: options.scale,
        reset: true,
      });
      options.log(`  ${result.rows.toLocaleString("en-GB")} rows in ${result.seconds.toFixed(1)} s`);
      writeFileSync(marker, JSON.stringify({ scale: options.scale }));
    }
    const workDir = join(dir, "work");
    mkdirSync(workDir, { recursive: true });
    const rows: BenchRow[] = [];
    for (const name of options.stages) {
      const stage = STAGES[name];
      if (!stage) throw new Error(`unknown bench stage "${name}"; known: ${Object.keys(STAGES).join(", ")}`);
      rows.push(
        ...(await stage({ endpoints: cloud.endpoints, scale: options.scale, workDir, log: options.log })),
      );
    }
    mkdirSync(dirname(options.resultsFile), { recursive: true });
    writeFileSync(options.resultsFile, `${JSON.stringify(rows, null, 2)}\n`);
    return rows;
  } finally {
    await cloud.stop();
  }
}

export function formatBench(rows: BenchRow[]): string[] {
  const header = ["stage", "rows", "rows/s", "wall s", "peak RSS MB", "reference", "ref wall s", "ratio"];
  const body = rows.map((r) => [
    r.stage,
    r.rows.toLocaleString("en-GB"),
    r.wall_s > 0 ? Math.round(r.rows / r.wall_s).toLocaleString("en-GB") : "-",
    r.wall_s.toFixed(2),
    String(r.peak_rss_mb),
    r.reference,
    r.reference_wall_s.toFixed(2),
    r.ratio.toFixed(2),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? "").length)));
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 || i === 5 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join("  ");
  return [fmt(header), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(fmt)];
}
