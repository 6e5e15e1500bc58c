import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cloud, freshDatabase, localS3Server } from "@etl/local-cloud/testing";
import { seedDatabase } from "@etl/synthetic";
import { afterAll, describe, expect, it } from "vitest";
import { firstLoadStage } from "../../src/bench/first-load/first-load-stage";

const dir = mkdtempSync(join(tmpdir(), "etl-first-load-"));
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
    expect(lines.some((l) => /row-by-row: .* extrapolated/.test(l))).toBe(true);
  });
});
