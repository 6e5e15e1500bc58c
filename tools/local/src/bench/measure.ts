import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

/** What a bench case reports: its own rows, wall time and peak resident memory. */
export interface CaseResult {
  rows: number;
  wall_s: number;
  peak_rss_mb: number;
  detail?: Record<string, unknown>;
}

/**
 * Runs one case in a fresh Node process, so its peak RSS is its own and not the bench
 * orchestrator's. The case prints one JSON line prefixed `RESULT ` on stdout.
 */
export function runCase(name: string, args: Record<string, unknown>): Promise<CaseResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", join(here, "cases", `${name}.ts`)], {
      cwd: join(here, "../.."),
      env: { ...process.env, ETL_BENCH_ARGS: JSON.stringify(args) },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let stdout = "";
    child.stdout.on("data", (b: Buffer) => {
      stdout += b.toString();
    });
    child.on("exit", (code) => {
      const line = stdout.split("\n").find((l) => l.startsWith("RESULT "));
      if (code !== 0 || !line) {
        reject(new Error(`bench case ${name} failed (exit ${code}): ${stdout.slice(-2000)}`));
        return;
      }
      resolve(JSON.parse(line.slice(7)) as CaseResult);
    });
  });
}

/** Inside a case: its arguments. */
export function caseArgs<T>(): T {
  return JSON.parse(process.env.ETL_BENCH_ARGS ?? "{}") as T;
}

/** Inside a case: times `work` and prints the result line with this process's peak RSS. */
export async function reportCase(
  work: () => Promise<{ rows: number; detail?: Record<string, unknown> }>,
): Promise<void> {
  const began = performance.now();
  const { rows, detail } = await work();
  const wall_s = (performance.now() - began) / 1000;
  const peak_rss_mb = process.resourceUsage().maxRSS / 1024;
  const result: CaseResult = { rows, wall_s, peak_rss_mb, ...(detail ? { detail } : {}) };
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
  process.exit(0);
}

/** Runs a shell pipeline (a native reference) and times it. */
export function timeShell(command: string, env: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const began = performance.now();
    const child = spawn("bash", ["-o", "pipefail", "-c", command], {
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, ...env },
    });
    let stderr = "";
    child.stderr.on("data", (b: Buffer) => {
      stderr += b.toString();
    });
    child.on("exit", (code) => {
      if (code === 0) resolve((performance.now() - began) / 1000);
      else reject(new Error(`reference failed (exit ${code}): ${stderr.slice(-1000)}`));
    });
  });
}
