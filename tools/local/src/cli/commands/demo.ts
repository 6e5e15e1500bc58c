import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { startLocalCloud } from "@etl/local-cloud";
import { applyChanges, seedDatabase } from "@etl/synthetic";
import pg from "pg";
import { deleteDemoPayment, deletionAnswer } from "../../demo-deletion";
import { landRates, prepareDemoLanding } from "../../demo-landing";
import { openLocalEnvironment } from "../../environment";
import { createProgressRenderer } from "../../progress-renderer";
import { formatTable, summariseWarehouse, type WarehouseSummary } from "../../summary";
import { type Command, defaultDataDir, out } from "../command";
import { preparePipeline, runCycle } from "./pipeline";

const count = (n: number) => n.toLocaleString("en-GB");
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function printSummary(summary: WarehouseSummary, print: (line: string) => void): void {
  print("warehouse tables:");
  for (const [table, rows] of Object.entries(summary.tables))
    print(`  ${table.padEnd(22)} ${count(rows).padStart(10)} rows`);
  print(
    `ledger: ${summary.runs.loaded} runs loaded, ${summary.runs.files} files, ${count(summary.runs.rows)} rows`,
  );
  for (const answer of summary.answers) {
    print("");
    print(answer.question);
    for (const line of formatTable(answer.columns, answer.rows)) print(`  ${line}`);
  }
}

function alertsIn(dataDir: string): unknown[] {
  const file = join(dataDir, "alerts.jsonl");
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

export const demo: Command = {
  name: "demo",
  summary: "the whole pipeline on fresh local services: seed, run, a day of changes, run again, summary",
  usage:
    "etl demo [--scale N] [--seed S] [--json] [--data-dir DIR] [--quiet]\n\n" +
    "  --scale N   sales orders to seed (default 10,000)\n" +
    "  --seed S    generator seed (default 1)\n" +
    "  --json      print the summary as JSON (and no progress)\n" +
    "  --quiet     print the summary only: no steps, no progress lines\n" +
    "  The demo's services and data live in <data dir>/demo, wiped at the start and stopped at the end.",
  options: {
    scale: { type: "string" },
    seed: { type: "string" },
    json: { type: "boolean" },
    "data-dir": { type: "string" },
  },
  async run({ values }) {
    const began = Date.now();
    const json = values.json === true;
    const quiet = json || values.quiet === true;
    // --quiet keeps the summary and drops the steps on the way to it.
    const print = quiet ? () => {} : out;
    const printProblem = json ? () => {} : out;
    const scale = Number(values.scale ?? 10_000);
    const seedValue = Number(values.seed ?? 1);
    if (!Number.isInteger(scale) || scale < 100)
      throw new RangeError(`--scale must be an integer of at least 100, got ${values.scale}`);
    const dataDir = join((values["data-dir"] as string | undefined) ?? defaultDataDir(), "demo");
    rmSync(dataDir, { recursive: true, force: true });
    print(`starting local services in ${dataDir}`);
    const cloud = await startLocalCloud({ dataDir });
    const saved = { ...process.env };
    // The demo's own services, whatever the caller's environment points at.
    for (const key of ["DATABASE_URL", "WAREHOUSE_URL", "S3_ENDPOINT", "DYNAMODB_ENDPOINT"])
      delete process.env[key];
    try {
      const local = await openLocalEnvironment(dataDir);
      print(`seeding totesys: ${count(scale)} sales orders (seed ${seedValue})`);
      const seeded = await seedDatabase({ databaseUrl: cloud.endpoints.databaseUrl, seed: seedValue, scale });
      print(`  ${count(seeded.rows)} rows in ${seeded.seconds.toFixed(1)} s`);
      const pipeline = await preparePipeline(
        local,
        createProgressRenderer({ stream: process.stdout, quiet }),
      );
      await prepareDemoLanding(local);
      await landRates(local, "2026-11-23", { GBP: "1.000000", USD: "0.790000", EUR: "0.860000" });
      print("cycle 1: everything, and a landed exchange-rate file (rule exchange_rates)");
      const first = await runCycle(pipeline, printProblem);
      print("applying a day of changes");
      const changes = await applyChanges({ databaseUrl: cloud.endpoints.databaseUrl, seed: seedValue + 1 });
      const deleted = await deleteDemoPayment(cloud.endpoints.databaseUrl);
      const summaryOfChanges = `inserted ${JSON.stringify(changes.inserted)}, updated ${JSON.stringify(changes.updated)}`;
      print(`  ${summaryOfChanges.replace(/"/g, "")}, deleted payment ${deleted}`);
      await landRates(local, "2026-11-24", { USD: "0.795500", EUR: "0.861200" });
      print("cycle 2: the day's changes (one deletion), and the next day's rates");
      const second = await runCycle(pipeline, printProblem);
      const warehouse = new pg.Client({ connectionString: cloud.endpoints.warehouseUrl });
      await warehouse.connect();
      const summary = await summariseWarehouse(warehouse);
      const rates = await warehouse.query<{ currency_code: string; rate_to_gbp: string; as_of: string }>(
        "select currency_code, rate_to_gbp::text, as_of::text from landed.exchange_rates order by 1",
      );
      summary.answers.push({
        question: "Exchange rates loaded from landed files (landed.exchange_rates, merged by rule)",
        columns: ["currency", "rate_to_gbp", "as_of"],
        rows: rates.rows.map((r) => [r.currency_code, r.rate_to_gbp, r.as_of]),
      });
      summary.answers.push(await deletionAnswer(warehouse, deleted));
      await warehouse.end();
      const dead = Object.values(pipeline.queues).reduce((n, q) => n + q.deadLetters().length, 0);
      const alerts = alertsIn(dataDir);
      const report = {
        scale,
        seed: seedValue,
        seeded: { rows: seeded.rows, seconds: seeded.seconds },
        cycles: [first, second],
        changes: { ...changes, deleted: { payment: [deleted] } },
        warehouse: summary,
        failures: { deadLetters: dead, alerts: alerts.length, handlerErrors: pipeline.errors.length },
        durationSeconds: (Date.now() - began) / 1000,
      };
      if (json) out(JSON.stringify(report, null, 2));
      else {
        out("");
        printSummary(summary, out);
        out("");
        out(
          `runs: 2 cycles (${[first.runId, second.runId].filter(Boolean).join(", ")}); failures: ${dead} dead letters, ${alerts.length} alerts`,
        );
        out(`demo finished in ${seconds(Date.now() - began)}`);
        out(`see it as charts: etl dashboard --data-dir ${dataDir}`);
        out(`or as one file:   etl report --out report.html --data-dir ${dataDir}`);
      }
      const problems = first.problems.length + second.problems.length;
      return dead > 0 || alerts.length > 0 || problems > 0 ? 1 : 0;
    } finally {
      process.env = saved;
      await cloud.stop();
    }
  },
};
