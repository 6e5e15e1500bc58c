import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { migratePostgresWarehouse } from "@etl/db/warehouse";
import { startLocalCloud } from "@etl/local-cloud";
import { RawRunManifestSchema } from "@etl/schemas";
import { applyChanges, seedDatabase } from "@etl/synthetic";
import pg from "pg";
import { deleteDemoPayment, deletionAnswer } from "../../demo-deletion";
import { landRates, prepareDemoLanding } from "../../demo-landing";
import { applyEnvironment, type LocalEnvironment, openLocalEnvironment } from "../../environment";
import { createLocalPipeline, type LocalPipeline, type StageReport } from "../../pipeline";
import type { DrainProblem } from "../../runtime";
import { formatTable, summariseWarehouse, type WarehouseSummary } from "../../summary";
import { type Command, defaultDataDir, err, out } from "../command";
import { ensureLocalResources } from "./ingest";

const count = (n: number) => n.toLocaleString("en-GB");
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** A message of a stage that did not get through: failed for good, dead-lettered or still waiting. */
export interface StageProblem extends DrainProblem {
  stage: StageReport["stage"];
}

export interface CycleReport {
  runId: string | null;
  rows: number;
  tables: { table: string; rows: number }[];
  stages: { stage: string; durationMs: number; invocations?: number; deadLettered?: number }[];
  problems: StageProblem[];
}

const PROBLEM_LABELS: Record<DrainProblem["status"], string> = {
  failed: "FAILED",
  "dead-lettered": "DEAD-LETTERED",
  pending: "RETRY PENDING",
};

/** One line per problem: what, which stage, which run and file, why. */
export function problemLine(p: StageProblem): string {
  return `  ${PROBLEM_LABELS[p.status]} ${p.stage} run ${p.runId ?? "?"}${p.key ? ` ${p.key}` : ""}${p.error ? `: ${p.error}` : ""}`;
}

/** Every problem of the stages' deliveries, printed, for the command's exit code. */
export function reportProblems(reports: StageReport[], print: (line: string) => void): StageProblem[] {
  const problems = reports.flatMap((r) =>
    (r.delivery?.problems ?? []).map((p) => ({ stage: r.stage, ...p })),
  );
  for (const p of problems) print(problemLine(p));
  return problems;
}

/** Prepares the warehouse and local resources once; then `cycle` runs ingest → transform → load. */
export async function preparePipeline(local: LocalEnvironment): Promise<LocalPipeline> {
  await ensureLocalResources(local);
  const warehouse = new pg.Client({ connectionString: local.env.WAREHOUSE_URL });
  await warehouse.connect();
  try {
    await migratePostgresWarehouse(warehouse);
  } finally {
    await warehouse.end();
  }
  applyEnvironment(local);
  return createLocalPipeline(local);
}

/** One cycle of the pipeline, printing progress per stage and table (rows, rows/s). */
export async function runCycle(pipeline: LocalPipeline, print: (line: string) => void): Promise<CycleReport> {
  const stages: StageReport[] = [];
  const ingest = await pipeline.ingest();
  stages.push(ingest);
  const result = ingest.result as { runId: string; rows: number; manifestKey: string | null };
  const tables: { table: string; rows: number }[] = [];
  print(
    `  ingest     run ${result.runId}: ${count(result.rows)} changed rows in ${seconds(ingest.durationMs)}`,
  );
  if (result.manifestKey) {
    const manifestPath = result.manifestKey;
    const manifest = await readManifest(pipeline, manifestPath);
    for (const t of manifest.tables) {
      tables.push({ table: t.table, rows: t.rows });
      print(`    ${t.table.padEnd(18)} ${count(t.rows).padStart(10)} rows`);
    }
  }
  for (const stage of [pipeline.transform, pipeline.load, pipeline.files]) {
    const report = await stage();
    if (report.stage === "files" && (report.delivery?.invocations ?? 0) === 0) continue;
    stages.push(report);
    const d = report.delivery;
    // Landed files are not source rows: their rate would mean nothing.
    const rate =
      report.stage !== "files" && result.rows > 0 && report.durationMs > 0
        ? Math.round((result.rows * 1000) / report.durationMs)
        : 0;
    print(
      `  ${report.stage.padEnd(10)} ${d?.succeeded ?? 0} message(s) in ${seconds(report.durationMs)}` +
        `${rate ? `, ${count(rate)} source rows/s` : ""}` +
        `${d?.retried ? `, ${d.retried} retried` : ""}${d?.deadLettered ? `, ${d.deadLettered} DEAD-LETTERED` : ""}`,
    );
  }
  const problems = reportProblems(stages, print);
  const transform = stages.find((s) => s.stage === "transform");
  if (result.manifestKey && (transform?.delivery?.invocations ?? 0) === 0) {
    // A run that ingested data and moved nothing afterwards is stuck, not done.
    const stuck: StageProblem = {
      stage: "transform",
      messageId: "-",
      status: "failed",
      runId: result.runId,
      key: result.manifestKey,
      error:
        "the run's manifest was written but no notification of it reached the transform: check the S3 endpoint (ETL_LOCAL_S3=s3rver only for the local S3 server; any other S3 is listed for new manifests)",
    };
    print(problemLine(stuck));
    problems.push(stuck);
  }
  return {
    runId: result.manifestKey ? result.runId : null,
    rows: result.rows,
    tables,
    stages: stages.map((s) => ({
      stage: s.stage,
      durationMs: s.durationMs,
      ...(s.delivery ? { invocations: s.delivery.invocations, deadLettered: s.delivery.deadLettered } : {}),
    })),
    problems,
  };
}

async function readManifest(pipeline: LocalPipeline, key: string) {
  return RawRunManifestSchema.parse(
    JSON.parse(Buffer.from(await pipeline.readIngestObject(key)).toString("utf8")),
  );
}

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

/** Why the totesys database cannot feed a run yet (no tables, or no rows), or undefined. */
async function unseededSource(databaseUrl: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ present: boolean }>(
      "select to_regclass('sales_order') is not null as present",
    );
    if (!rows[0]?.present) return "the totesys database has no tables yet";
    const count = await client.query<{ any: boolean }>("select exists (select 1 from sales_order) as any");
    return count.rows[0]?.any ? undefined : "the totesys database has no sales orders yet";
  } finally {
    await client.end();
  }
}

export const run: Command = {
  name: "run",
  summary: "run one cycle: ingest -> transform -> load, through real S3 events and queues",
  usage: "etl run [--data-dir DIR]",
  options: { "data-dir": { type: "string" } },
  async run({ values }) {
    const local = await openLocalEnvironment((values["data-dir"] as string | undefined) ?? defaultDataDir());
    try {
      const unseeded = await unseededSource(local.env.DATABASE_URL ?? "");
      if (unseeded) {
        err(`etl run: ${unseeded}: run \`etl seed\` first (\`etl seed --scale 1000\` for a small one)`);
        return 1;
      }
      const pipeline = await preparePipeline(local);
      const report = await runCycle(pipeline, out);
      const dead = Object.values(pipeline.queues).reduce((n, q) => n + q.depth().dead, 0);
      if (report.problems.length > 0)
        out(
          `${report.problems.length} message(s) did not get through (above); see ${join(local.endpoints.dataDir, "alerts.jsonl")} and etl status`,
        );
      if (dead > 0)
        out(
          `${dead} message(s) in the dead-letter folders under ${join(local.endpoints.dataDir, "queues")}; after fixing the cause: etl replay --dead-letters`,
        );
      return dead > 0 || report.problems.length > 0 ? 1 : 0;
    } finally {
      await local.close();
    }
  },
};

export const demo: Command = {
  name: "demo",
  summary: "the whole pipeline on fresh local services: seed, run, a day of changes, run again, summary",
  usage:
    "etl demo [--scale N] [--seed S] [--json] [--data-dir DIR]\n\n" +
    "  --scale N   sales orders to seed (default 10,000)\n" +
    "  --seed S    generator seed (default 1)\n" +
    "  --json      print the summary as JSON\n" +
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
    const print = json ? () => {} : out;
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
      const pipeline = await preparePipeline(local);
      await prepareDemoLanding(local);
      await landRates(local, "2026-11-23", { GBP: "1.000000", USD: "0.790000", EUR: "0.860000" });
      print("cycle 1: everything, and a landed exchange-rate file (rule exchange_rates)");
      const first = await runCycle(pipeline, print);
      print("applying a day of changes");
      const changes = await applyChanges({ databaseUrl: cloud.endpoints.databaseUrl, seed: seedValue + 1 });
      const deleted = await deleteDemoPayment(cloud.endpoints.databaseUrl);
      const summaryOfChanges = `inserted ${JSON.stringify(changes.inserted)}, updated ${JSON.stringify(changes.updated)}`;
      print(`  ${summaryOfChanges.replace(/"/g, "")}, deleted payment ${deleted}`);
      await landRates(local, "2026-11-24", { USD: "0.795500", EUR: "0.861200" });
      print("cycle 2: the day's changes (one deletion), and the next day's rates");
      const second = await runCycle(pipeline, print);
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
