import { join } from "node:path";
import { migratePostgresWarehouse } from "@etl/db/warehouse";
import { RawRunManifestSchema } from "@etl/schemas";
import pg from "pg";
import { applyEnvironment, type LocalEnvironment, openLocalEnvironment } from "../../environment";
import { createLocalPipeline, type LocalPipeline, type StageReport } from "../../pipeline";
import { createProgressRenderer, type ProgressRenderer } from "../../progress-renderer";
import type { DrainProblem } from "../../runtime";
import { type Command, defaultDataDir, err, out } from "../command";
import { runFirstLoads } from "./first-loads";
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
  /** First loads the ingest left unfinished (read in key ranges over several runs): the next cycle continues them. */
  firstLoadsPending: { table: string; lastKey?: number }[];
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

/**
 * Prepares the warehouse and local resources once; then `cycle` runs ingest → transform → load.
 * With a progress renderer the stages report to it, and `runCycle` prints its stage lines there.
 */
export async function preparePipeline(
  local: LocalEnvironment,
  progress?: ProgressRenderer,
): Promise<LocalPipeline> {
  await ensureLocalResources(local);
  const warehouse = new pg.Client({ connectionString: local.env.WAREHOUSE_URL });
  await warehouse.connect();
  try {
    await migratePostgresWarehouse(warehouse);
  } finally {
    await warehouse.end();
  }
  applyEnvironment(local);
  return createLocalPipeline(local, progress ? { progress } : {});
}

/**
 * One cycle of the pipeline. Its progress (a line per table as each stage finishes it, then one
 * per stage) goes to the pipeline's progress renderer when it has one (`--quiet` silences it
 * there), else to `print`; the problems always go to `print`.
 */
export async function runCycle(pipeline: LocalPipeline, print: (line: string) => void): Promise<CycleReport> {
  const renderer = pipeline.progress;
  const say = renderer ? renderer.line : print;
  // A stage that failed mid-table leaves its live line: blank it before anything else prints.
  const settled = async (stage: () => Promise<StageReport>) => {
    try {
      return await stage();
    } finally {
      renderer?.clear();
    }
  };
  const stages: StageReport[] = [];
  const ingest = await settled(pipeline.ingest);
  stages.push(ingest);
  const result = ingest.result as {
    runId: string;
    rows: number;
    manifestKey: string | null;
    firstLoadsPending?: { table: string; lastKey?: number }[];
  };
  const tables: { table: string; rows: number }[] = [];
  say(
    `  ingest     run ${result.runId}: ${count(result.rows)} changed rows in ${seconds(ingest.durationMs)}`,
  );
  if (result.manifestKey) {
    const manifest = await readManifest(pipeline, result.manifestKey);
    for (const t of manifest.tables) tables.push({ table: t.table, rows: t.rows });
  }
  for (const stage of [pipeline.transform, pipeline.load, pipeline.files]) {
    const report = await settled(stage);
    if (report.stage === "files" && (report.delivery?.invocations ?? 0) === 0) continue;
    stages.push(report);
    const d = report.delivery;
    // Landed files are not source rows: their rate would mean nothing.
    const rate =
      report.stage !== "files" && result.rows > 0 && report.durationMs > 0
        ? Math.round((result.rows * 1000) / report.durationMs)
        : 0;
    say(
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
    firstLoadsPending: result.firstLoadsPending ?? [],
  };
}

async function readManifest(pipeline: LocalPipeline, key: string) {
  return RawRunManifestSchema.parse(
    JSON.parse(Buffer.from(await pipeline.readIngestObject(key)).toString("utf8")),
  );
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
  usage:
    "etl run [--data-dir DIR] [--quiet]\n\n" +
    "  Each stage prints a line per table as it finishes it (rows, rows/s), then one for the stage;\n" +
    "  on a terminal a live line shows the table in progress (rows, rate, ETA). --quiet: none of it.\n" +
    "  A first load larger than one run's budget (RUN_BUDGET_SECONDS, e.g. 3) takes several cycles:\n" +
    "  they run back to back, a line each, until it is finished (docs/first-loads.md).",
  options: { "data-dir": { type: "string" } },
  async run({ values }) {
    const local = await openLocalEnvironment((values["data-dir"] as string | undefined) ?? defaultDataDir());
    try {
      const unseeded = await unseededSource(local.env.DATABASE_URL ?? "");
      if (unseeded) {
        err(`etl run: ${unseeded}: run \`etl seed\` first (\`etl seed --scale 1000\` for a small one)`);
        return 1;
      }
      const progress = createProgressRenderer({ stream: process.stdout, quiet: values.quiet === true });
      const pipeline = await preparePipeline(local, progress);
      // Until every first load is finished: a first snapshot larger than RUN_BUDGET_SECONDS allows takes several runs.
      const { report } = await runFirstLoads(() => runCycle(pipeline, out), out, { progress });
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
