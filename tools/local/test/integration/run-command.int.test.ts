import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RunningCloud, startLocalCloud } from "@etl/local-cloud";
import { applyChanges, seedDatabase } from "@etl/synthetic";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { parse } from "../../src/cli/command";
import { ensureLocalResources } from "../../src/cli/commands/ingest";
import { run } from "../../src/cli/commands/pipeline";
import { quarantine } from "../../src/cli/commands/quarantine";
import { landRates, prepareDemoLanding } from "../../src/demo-landing";
import { openLocalEnvironment } from "../../src/environment";
import { captureOutput, etl } from "./run-etl";

/** The lines a stage prints as each table finishes: stage, table, rows, rows/s. */
function tableLines(text: string) {
  return [
    ...text.matchAll(/^ {2}(ingest|transform|load) +(\w+) +([\d,]+) rows in [\d.]+ s +([\d,]+) rows\/s$/gm),
  ].map((m) => ({ stage: m[1], table: m[2], rows: Number(m[3]?.replaceAll(",", "")), rate: m[4] }));
}

let cloud: RunningCloud;
let dataDir = "";
const saved = { ...process.env };

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "etl-run-"));
  cloud = await startLocalCloud({ dataDir });
  for (const key of ["DATABASE_URL", "WAREHOUSE_URL", "S3_ENDPOINT", "DYNAMODB_ENDPOINT"])
    delete process.env[key];
  await seedDatabase({ databaseUrl: cloud.endpoints.databaseUrl, seed: 3, scale: 100 });
}, 240_000);

afterEach(() => {
  vi.restoreAllMocks();
});

afterAll(async () => {
  process.env = saved;
  await cloud?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("etl run", () => {
  it("exits 0 when every stage got its messages through", async () => {
    const output = captureOutput();

    const code = await run.run(parse(run, ["--data-dir", dataDir]));

    const lines = tableLines(output.text());
    expect(output.text()).not.toMatch(/FAILED|DEAD-LETTERED|RETRY PENDING/);
    expect(code).toBe(0);
    expect(lines.filter((l) => l.table === "sales_order" || l.table === "fact_sales_order")).toEqual([
      { stage: "ingest", table: "sales_order", rows: 100, rate: expect.stringMatching(/^[\d,]+$/) },
      { stage: "transform", table: "fact_sales_order", rows: 100, rate: expect.stringMatching(/^[\d,]+$/) },
      { stage: "load", table: "fact_sales_order", rows: 100, rate: expect.stringMatching(/^[\d,]+$/) },
    ]);
    expect(new Set(lines.map((l) => l.stage))).toEqual(new Set(["ingest", "transform", "load"]));
    expect(output.text()).not.toContain("\r");
    expect(output.text()).not.toContain("\u001b");
  }, 240_000);

  it("prints none of it with --quiet", async () => {
    await applyChanges({ databaseUrl: cloud.endpoints.databaseUrl, seed: 4 });

    const result = await etl("--quiet", "run", "--data-dir", dataDir);

    expect(result.code).toBe(0);
    expect(result.err).toBe("");
    expect(result.out).not.toMatch(/rows\/s|rows in|changed rows|message\(s\)/);
  }, 240_000);

  it("holds a bad row back, names the run and the rest loads; etl quarantine shows the row", async () => {
    const oltp = new pg.Client({ connectionString: cloud.endpoints.databaseUrl });
    await oltp.connect();
    await oltp.query(
      "insert into currency (currency_id, currency_code, created_at, last_updated) values (99, 'QQQ', now(), now())",
    );
    await oltp.end();
    const output = captureOutput();

    const code = await run.run(parse(run, ["--data-dir", dataDir]));
    const runId = /ingest\s+run (\S+):/.exec(output.text())?.[1];
    const shown = await quarantine.run(parse(quarantine, ["show", runId ?? "", "--data-dir", dataDir]));

    expect(runId).toMatch(/^\d{8}T/);
    expect(output.text()).toContain(`1 row(s) quarantined, the rest loads (run ${runId})`);
    expect(code).toBe(0);
    expect(shown).toBe(0);
    expect(output.text()).toContain("QQQ");
    expect(output.text()).toContain("UNKNOWN_CURRENCY");
  }, 240_000);

  it("prints a line for each landed file it loads, with its rows", async () => {
    const local = await openLocalEnvironment(dataDir);
    await ensureLocalResources(local);
    await prepareDemoLanding(local);
    await landRates(local, "2026-11-24", { GBP: "1.000000", USD: "0.790000", EUR: "0.860000" });
    const output = captureOutput();

    const code = await run.run(parse(run, ["--data-dir", dataDir]));

    expect(code).toBe(0);
    expect(output.text()).toMatch(
      /^ {2}files +landing\/rates\/2026-11-24\.csv +3 rows in [\d.]+ s +[\d,]+ rows\/s$/m,
    );
  }, 240_000);
});
