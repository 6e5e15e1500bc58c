import { chmodSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ListBucketsCommand } from "@aws-sdk/client-s3";
import { localS3Client } from "@etl/local-cloud";
import { cloud, freshDatabase, localS3Server } from "@etl/local-cloud/testing";
import { seedDatabase } from "@etl/synthetic";
import { afterAll, describe, expect, it } from "vitest";
import { firstLoadStage } from "../../src/bench/first-load/first-load-stage";
import { ingestStage, loadStage, transformStage } from "../../src/bench/stages";

const dir = mkdtempSync(join(tmpdir(), "etl-first-load-"));
// The load's reference is a server-side COPY: PostgreSQL, another user, reads the CSV from here.
chmodSync(dir, 0o755);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the first-load bench case", () => {
  it("runs a small first load and writes every entry with its reference and ratio", async () => {
    const databaseUrl = await freshDatabase("firstload");
    const seeded = await seedDatabase({ databaseUrl, seed: 1, scale: 2000 });
    const lines: string[] = [];

    const rows = await firstLoadStage({
      endpoints: { ...cloud(), databaseUrl },
      scale: 2000,
      workDir: dir,
      localS3Server: localS3Server(),
      log: (line) => lines.push(line),
    });

    expect(rows.map((r) => r.stage)).toEqual([
      "first-load",
      "first-load-ingest",
      "first-load-transform",
      "first-load-load",
      "row-by-row",
    ]);
    const [all, ingest, transform, load, rowByRow] = rows;
    // Every seeded row but those the seed stamps later than the snapshot's upper bound.
    expect(ingest?.rows).toBeGreaterThan(seeded.rows * 0.99);
    expect(ingest?.rows).toBeLessThanOrEqual(seeded.rows);
    expect(all?.rows).toBe(ingest?.rows);
    expect(all?.detail).toMatchObject({
      stages: {
        ingest: { wall_s: ingest?.wall_s },
        transform: { wall_s: transform?.wall_s },
        load: { wall_s: load?.wall_s },
      },
    });
    expect(all?.peak_rss_mb).toBe(
      Math.max(ingest?.peak_rss_mb ?? 0, transform?.peak_rss_mb ?? 0, load?.peak_rss_mb ?? 0),
    );
    expect(transform?.rows).toBe(load?.rows);
    // DuckDB wrote the same eleven star tables with the same rows.
    expect(transform?.detail?.reference_tables).toEqual(transform?.detail?.tables);
    for (const r of rows) {
      expect(r.wall_s).toBeGreaterThan(0);
      expect(r.reference_wall_s).toBeGreaterThan(0);
      // Both walls are rounded to 0.01 s in the entry, the ratio is of the unrounded ones.
      expect(Math.abs(r.ratio - r.wall_s / r.reference_wall_s)).toBeLessThan(0.05 * r.ratio + 0.02);
    }
    expect(rowByRow?.detail).toMatchObject({ extrapolated: true });
    // Its buckets (raw and star files) are gone with it.
    const s3 = localS3Client(cloud());
    const listed = await s3.send(new ListBucketsCommand({}));
    s3.destroy();
    expect(
      (listed.Buckets ?? [])
        .map((b) => b.Name)
        .filter((n) => /^fl-(ingest|processed|landing)-/.test(n ?? "")),
    ).toEqual([]);
    expect(lines.some((l) => /row-by-row: .* extrapolated/.test(l))).toBe(true);
  });
});

describe("the ingest, transform and load bench stages", () => {
  it("each measures its own rows against its reference in the same run", async () => {
    const databaseUrl = await freshDatabase("stagebench");
    const seeded = await seedDatabase({ databaseUrl, seed: 2, scale: 300 });
    const lines: string[] = [];
    const ctx = {
      endpoints: { ...cloud(), databaseUrl },
      scale: 300,
      workDir: join(dir, "stages"),
      log: (line: string) => lines.push(line),
    };
    mkdirSync(ctx.workDir);

    const [ingest] = await ingestStage(ctx);
    const [transform] = await transformStage(ctx);
    const [load] = await loadStage(ctx);

    expect(ingest).toMatchObject({
      stage: "ingest",
      reference: "psql COPY (SELECT ...) TO STDOUT | gzip -6",
      target: "ratio <= 2, peak RSS < 256 MB",
    });
    expect(ingest?.rows).toBeGreaterThan(0);
    expect(ingest?.rows).toBeLessThanOrEqual(seeded.rows);
    expect(transform).toMatchObject({
      stage: "transform",
      rows: 300,
      reference: "DuckDB read_json -> COPY TO parquet",
    });
    expect(transform?.reference_peak_rss_mb).toBeGreaterThan(0);
    // The load reads the transform's Parquet files: the same rows, so nothing is prepared again.
    expect(load).toMatchObject({
      stage: "load",
      rows: 300,
      reference: "psql \\copy of the same rows as CSV",
    });
    expect(lines).not.toContain("  preparing the Parquet files (untimed)");
    for (const r of [ingest, transform, load]) {
      expect(r?.wall_s).toBeGreaterThan(0);
      expect(r?.reference_wall_s).toBeGreaterThan(0);
    }
    expect(lines[0]).toBe("ingest: 300 sales orders -> gzip JSON Lines in S3");
  });

  it("the load prepares its Parquet files when none are there", async () => {
    const lines: string[] = [];
    const workDir = join(dir, "load-only");
    mkdirSync(workDir);

    const [load] = await loadStage({
      endpoints: cloud(),
      scale: 150,
      workDir,
      log: (line) => lines.push(line),
    });

    expect(load).toMatchObject({ stage: "load", rows: 150 });
    expect(lines).toEqual([
      "load: 150 fact_sales_order rows, Parquet -> PostgreSQL",
      "  preparing the Parquet files (untimed)",
    ]);
  });
});
