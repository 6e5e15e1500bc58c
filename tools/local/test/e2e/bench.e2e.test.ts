import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runBench } from "../../src/bench/bench";

// The bench's own frame, without measuring a stage: its local cloud, the seeded totesys kept
// between runs, and the results file that keeps the other stages' last results in stage order.

const dir = mkdtempSync(join(tmpdir(), "etl-bench-"));

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("runBench", () => {
  const resultsFile = join(dir, "out", "results.json");

  it("seeds once, and keeps the results of the stages it did not run, ordered by stage", async () => {
    const previous = ["other", "first-load-duckdb", "load", "first-load", "ingest"].map((stage) => ({
      stage,
    }));
    const log: string[] = [];
    mkdirSync(join(dir, "out"));
    writeFileSync(resultsFile, JSON.stringify(previous));

    const rows = await runBench({
      dataDir: dir,
      scale: 100,
      stages: [],
      resultsFile,
      log: (l) => log.push(l),
    });

    expect(rows).toEqual([]);
    expect(log[0]).toBe("seeding totesys at scale 100 (once; reused by later runs)");
    expect(log[1]).toMatch(/^ {2}[\d,]+ rows in \d+\.\d s$/);
    const stages = (JSON.parse(readFileSync(resultsFile, "utf8")) as { stage: string }[]).map((r) => r.stage);
    expect(stages).toEqual(["ingest", "load", "first-load", "first-load-duckdb", "other"]);
  }, 180_000);

  it("reuses the seeded totesys of the same scale, and refuses an unknown stage naming the known ones", async () => {
    const log: string[] = [];

    await expect(
      runBench({ dataDir: dir, scale: 100, stages: ["nope"], resultsFile, log: (l) => log.push(l) }),
    ).rejects.toThrow('unknown bench stage "nope"; known: ingest, transform, load, first-load');
    expect(log).toEqual([]);
  }, 180_000);
});
