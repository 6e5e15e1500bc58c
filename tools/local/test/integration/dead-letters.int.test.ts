import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, type RunningCloud, startLocalCloud } from "@etl/local-cloud";
import { seedDatabase } from "@etl/synthetic";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { parse } from "../../src/cli/command";
import { ensureLocalResources } from "../../src/cli/commands/ingest";
import { replay } from "../../src/cli/commands/replay";
import { landRates, prepareDemoLanding } from "../../src/demo-landing";
import { applyEnvironment, type LocalEnvironment, openLocalEnvironment } from "../../src/environment";
import { createLocalPipeline, type StageReport } from "../../src/pipeline";

let cloud: RunningCloud;
let dataDir = "";
let local: LocalEnvironment;
const saved = { ...process.env };
const reports: Record<string, StageReport> = {};
const stderr: string[] = [];

function alerts(): { subject: string; message: { stage: string; runId: string; key?: string } }[] {
  const file = join(dataDir, "alerts.jsonl");
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "etl-dead-letters-"));
  cloud = await startLocalCloud({ dataDir });
  for (const key of ["DATABASE_URL", "WAREHOUSE_URL", "S3_ENDPOINT", "DYNAMODB_ENDPOINT"])
    delete process.env[key];
  local = await openLocalEnvironment(dataDir);
  await seedDatabase({ databaseUrl: cloud.endpoints.databaseUrl, seed: 5, scale: 100 });
  await ensureLocalResources(local);
  // The demo's landed-file rule and table; the warehouse is reachable while they are created.
  await prepareDemoLanding(local);
  await landRates(local, "2026-11-23", { GBP: "1.000000", USD: "0.790000" });
  // Then the load functions start with a warehouse (and rules database) nobody listens on.
  const goodWarehouse = local.env.WAREHOUSE_URL;
  local.env.WAREHOUSE_URL = `postgres://etl:unused@127.0.0.1:${await freePort()}/warehouse`;
  applyEnvironment(local);
  local.env.WAREHOUSE_URL = goodWarehouse ?? "";

  const began = stderr.length;
  vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
    stderr.push(String(chunk));
    return true;
  });
  const pipeline = await createLocalPipeline(local, { retryBackoff: { baseMs: 150, maxMs: 1_000 } });
  for (const stage of [pipeline.ingest, pipeline.transform, pipeline.load, pipeline.files]) {
    const report = await stage();
    reports[report.stage] = report;
  }
  vi.restoreAllMocks();
  stderr.splice(0, began);
}, 240_000);

afterAll(async () => {
  vi.restoreAllMocks();
  process.env = saved;
  await local?.close();
  await cloud?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("failures on the local queues", () => {
  it("retries a load whose warehouse is unreachable with a backoff, then dead-letters it with one line", () => {
    const load = reports.load;

    expect(load?.delivery).toMatchObject({ invocations: 3, succeeded: 0, retried: 2, deadLettered: 1 });
    // Waited 150 ms, then 300 ms, between the three receives.
    expect(load?.durationMs).toBeGreaterThanOrEqual(450);
    expect(load?.delivery?.problems).toEqual([
      expect.objectContaining({ status: "dead-lettered", runId: expect.stringMatching(/^\d{8}T/) }),
    ]);
    expect(stderr.filter((l) => l.startsWith("DEAD LETTER etl-load.fifo"))).toHaveLength(1);
  });

  it("alerts once when the load starts failing and once when it is dead-lettered, not per attempt", () => {
    const runId = reports.load?.delivery?.problems[0]?.runId;
    const load = alerts().filter((a) => a.message.stage === "load");

    expect(load.map((a) => a.subject.replace(/^ETL load \S+: /, ""))).toEqual([
      expect.stringMatching(/^failing, will retry \(/),
      expect.stringMatching(/^dead-lettered after 3 receives \(/),
    ]);
    expect(load.map((a) => a.message.runId)).toEqual([runId, runId]);
    expect(JSON.stringify(load[1])).toContain("etl replay --dead-letters");
  });

  it("dead-letters a landed file the files queue could not load, alerted the same way", () => {
    const files = alerts().filter((a) => a.message.stage === "files");

    expect(reports.files?.delivery).toMatchObject({ invocations: 3, deadLettered: 1 });
    expect(files.map((a) => a.message.key)).toEqual([
      "landing/rates/2026-11-23.csv",
      "landing/rates/2026-11-23.csv",
    ]);
  });

  it("etl replay --dead-letters redrives and delivers the load and files queues once the warehouse is back", async () => {
    // The warehouse is back: the commands' environment, and the functions' at their next cold start.
    process.env.WAREHOUSE_URL = local.env.WAREHOUSE_URL;
    vi.resetModules();
    const lines: string[] = [];
    vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });

    const code = await replay.run(parse(replay, ["--dead-letters", "--data-dir", dataDir]));
    vi.restoreAllMocks();
    const text = lines.join("");

    expect(text).toContain("2 dead-lettered message(s) moved back to their queues");
    expect(text).toMatch(/load\s+1 delivered, 0 retried, 0 dead-lettered/);
    expect(text).toMatch(/files\s+1 delivered, 0 retried, 0 dead-lettered/);
    expect(text).not.toMatch(/FAILED|DEAD-LETTERED|RETRY PENDING/);
    expect(code).toBe(0);
    const warehouse = new pg.Client({ connectionString: local.env.WAREHOUSE_URL });
    await warehouse.connect();
    const rates = await warehouse.query("select currency_code from landed.exchange_rates order by 1");
    const loaded = await warehouse.query("select count(*)::int as n from etl.load_runs");
    await warehouse.end();
    expect(rates.rows.map((r) => r.currency_code)).toEqual(["GBP", "USD"]);
    expect(loaded.rows[0]?.n).toBe(1);
    const { FileQueue } = await import("../../src/runtime");
    for (const name of ["etl-transform", "etl-load.fifo", "etl-files"])
      expect([name, new FileQueue(join(dataDir, "queues", name), name).depth()]).toEqual([
        name,
        { pending: 0, inflight: 0, dead: 0 },
      ]);
  }, 120_000);
});
