import { RunIdSchema } from "@etl/schemas";
import { openLocalEnvironment } from "../../environment";
import type { StageReport } from "../../pipeline";
import {
  heldRowsOf,
  listHeldRuns,
  parseRunId,
  QuarantineError,
  quarantineDeps,
  retryQuarantine,
} from "../../quarantine";
import { formatTable } from "../../summary";
import { CliError, type Command, out, UsageError } from "../command";
import { targetOptions, withTarget } from "./operate";

/** A quarantine problem the operator can act on is printed as it is, without a stack. */
async function operatorErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof QuarantineError) throw new CliError(error.message);
    throw error;
  }
}

const usage =
  "etl quarantine list [--json] [--aws] [--data-dir DIR]\n" +
  "etl quarantine show <runId> [--json] [--aws] [--data-dir DIR]\n" +
  "etl quarantine retry <runId | --all> [--aws] [--data-dir DIR]\n\n" +
  "  list   the runs that held rows back, rows per table, and whether they were retried\n" +
  "  show   a run's held rows: table, file and line, why, and the raw line\n" +
  "  retry  after the fix (of the source or the contract), a new run carries the held rows into\n" +
  "         the warehouse, once; rows that still fail are held again by that run. Locally the\n" +
  "         transform and load run at once; on AWS the new run's manifest starts them.\n" +
  "  See docs/quarantine.md.";

export const quarantine: Command = {
  name: "quarantine",
  summary: "rows the transform held back: etl quarantine list | show <runId> | retry <runId | --all>",
  usage,
  options: { ...targetOptions, json: { type: "boolean" }, all: { type: "boolean" } },
  async run({ values, positionals }) {
    const [action, what] = positionals;
    const json = values.json === true;
    if (action !== "list" && action !== "show" && action !== "retry")
      throw new UsageError("give list, show <runId> or retry <runId | --all>");
    if (action === "show" && !what) throw new UsageError("etl quarantine show needs a run id");
    if (action === "retry" && !what && values.all !== true)
      throw new UsageError("etl quarantine retry needs a run id or --all");
    if (what !== undefined && !RunIdSchema.safeParse(what).success)
      throw new UsageError(
        `${JSON.stringify(what)} is not a run id; \`etl quarantine list\` lists the runs that held rows`,
      );
    return withTarget(values, (target, dataDir, opened) =>
      operatorErrors(async () => {
        const deps = quarantineDeps(target);
        if (action === "list") {
          const runs = await listHeldRuns(deps);
          if (json) {
            out(JSON.stringify({ runs }));
            return 0;
          }
          if (runs.length === 0) {
            out("no run has held rows back");
            return 0;
          }
          out(`runs that held rows back (${runs.length}):`);
          for (const line of formatTable(
            ["run", "rows", "tables", "retried"],
            runs.map((r) => [
              r.runId,
              String(r.rows),
              Object.entries(r.tables)
                .map(([t, n]) => `${t} ${n}`)
                .join(", "),
              r.retried ? `in run ${r.retried.retryRunId}` : "no",
            ]),
          ))
            out(`  ${line}`);
          return 0;
        }
        if (action === "show") {
          const runId = parseRunId(what ?? "");
          const rows = await heldRowsOf(deps, runId);
          if (json) {
            out(JSON.stringify({ runId, rows }));
            return 0;
          }
          out(`run ${runId} held ${rows.length} row(s):`);
          for (const r of rows) {
            out(
              `  ${r.table} ${r.key} line ${r.lineNumber}${r.column ? ` column ${r.column}` : ""} (${r.code})`,
            );
            out(`    why:  ${r.reason}`);
            if (r.heldFor) out(`    held with ${r.heldFor.table} ${r.heldFor.id}`);
            out(`    line: ${r.line.length > 300 ? `${r.line.slice(0, 297)}...` : r.line}`);
          }
          return 0;
        }
        const runIds =
          values.all === true
            ? (await listHeldRuns(deps)).filter((r) => !r.retried).map((r) => r.runId)
            : [parseRunId(what ?? "")];
        if (runIds.length === 0) {
          out("no held rows wait for a retry");
          return 0;
        }
        let started = 0;
        for (const runId of runIds) {
          const result = await retryQuarantine(deps, runId);
          if (result.status === "already") {
            out(
              `run ${runId}: its ${result.rows} held row(s) were retried already, in run ${result.retryRunId}`,
            );
            continue;
          }
          started += 1;
          out(`run ${runId}: ${result.rows} held row(s) go again in run ${result.retryRunId}`);
        }
        if (started === 0 || target.kind === "aws") return 0;
        return runLocalStages(dataDir, opened);
      }),
    );
  },
};

/** Runs the local transform and load, as the retry runs' manifests' notifications ask. */
async function runLocalStages(
  dataDir: string,
  opened: Awaited<ReturnType<typeof openLocalEnvironment>> | undefined,
) {
  const local = opened ?? (await openLocalEnvironment(dataDir));
  const reports: StageReport[] = [];
  try {
    const { preparePipeline, reportProblems } = await import("./pipeline");
    const pipeline = await preparePipeline(local);
    for (const stage of ["transform", "load"] as const) {
      const report = await pipeline[stage]();
      reports.push(report);
      const d = report.delivery;
      out(
        `  ${report.stage.padEnd(10)} ${d?.succeeded ?? 0} delivered, ${d?.retried ?? 0} retried, ${d?.deadLettered ?? 0} dead-lettered`,
      );
    }
    return reportProblems(reports, out).length > 0 ? 1 : 0;
  } finally {
    if (!opened) await local.close();
  }
}
