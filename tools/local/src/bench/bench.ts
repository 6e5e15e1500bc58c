import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { startLocalCloud } from "@etl/local-cloud";
import { seedDatabase } from "@etl/synthetic";
import type { BenchRow } from "./bench-row";
import { STAGES } from "./stages";

// The CLI loads the benchmark lazily through this one module.
export { formatBench } from "./bench-row";
export { STAGES } from "./stages";

/** Results in the order of the bench stages; the entries of a stage (`first-load-*`) follow it. */
function stageRank(name: string): number {
  const order = Object.keys(STAGES);
  const own = order.indexOf(name);
  if (own >= 0) return own;
  const parent = order.findIndex((s) => name.startsWith(`${s}-`));
  return parent >= 0 ? parent + 0.5 : order.length;
}

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
    // A run of some stages keeps the other stages' last results.
    const previous = existsSync(options.resultsFile)
      ? (JSON.parse(readFileSync(options.resultsFile, "utf8")) as BenchRow[])
      : [];
    const merged = [...previous.filter((p) => !rows.some((r) => r.stage === p.stage)), ...rows].sort(
      (a, b) => stageRank(a.stage) - stageRank(b.stage),
    );
    writeFileSync(options.resultsFile, `${JSON.stringify(merged, null, 2)}\n`);
    return rows;
  } finally {
    await cloud.stop();
  }
}
