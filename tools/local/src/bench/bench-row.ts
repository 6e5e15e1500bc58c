import type { CloudEndpoints } from "@etl/local-cloud";
import type { CaseResult } from "./measure";

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
  /** Whether the S3 endpoint is the local cloud's s3rver (the bench's own cloud: yes, the default). */
  localS3Server?: boolean;
  log: (line: string) => void;
}

export type BenchStage = (ctx: BenchContext) => Promise<BenchRow[]>;

export const round = (n: number, places = 2) => Math.round(n * 10 ** places) / 10 ** places;

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

/** The rows as an aligned table, for the terminal. */
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
