#!/usr/bin/env node
// The repo's test command: every package's tests through turbo, one package at a time (each
// starts its own local services), going on past a failed package so that one failure does not
// hide the others; then one closing summary of every package, the failed ones named.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { summarise, testedUnits } from "./test-summary.mjs";

const root = process.cwd();
// A report left by an earlier run must never stand in for a package that failed to run now.
for (const unit of testedUnits(root))
  for (const report of ["results.json", "coverage.json"])
    rmSync(join(root, unit.dir, ".vitest", report), { force: true });

const started = Date.now();
// --summarize: turbo's run summary holds each task's exit code and log file, so a package whose
// tests passed but whose process failed (a global teardown, an unhandled error) is named too.
const turbo = spawnSync(
  "turbo",
  ["run", "test", "--concurrency=1", "--continue", "--summarize", ...process.argv.slice(2)],
  { stdio: "inherit", shell: process.platform === "win32" },
);
const code = summarise(root, { turboExit: turbo.status ?? 1, tasks: testTasks(root, started) });
process.exit(code);

/**
 * The `test` tasks of the run summary turbo wrote after `since`, by package folder:
 * `{ exitCode, logFile }`. None when it wrote none (the summary then relies on the reports alone).
 */
function testTasks(dir, since) {
  const runs = join(dir, ".turbo", "runs");
  if (!existsSync(runs)) return new Map();
  const newest = readdirSync(runs)
    .filter((f) => f.endsWith(".json"))
    .map((f) => join(runs, f))
    .filter((f) => statSync(f).mtimeMs >= since - 1_000)
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
  if (!newest) return new Map();
  const summary = JSON.parse(readFileSync(newest, "utf8"));
  return new Map(
    (summary.tasks ?? [])
      .filter((t) => t.task === "test")
      .map((t) => [t.directory, { exitCode: t.execution?.exitCode ?? 0, logFile: t.logFile }]),
  );
}
