#!/usr/bin/env node
// The repo's test command: every package's tests through turbo, one package at a time (each
// starts its own local services), going on past a failed package so that one failure does not
// hide the others; then one closing summary of every package, the failed ones named.
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { summarise, testedUnits } from "./test-summary.mjs";

const root = process.cwd();
// A report left by an earlier run must never stand in for a package that failed to run now.
for (const unit of testedUnits(root))
  for (const report of ["results.json", "coverage.json"])
    rmSync(join(root, unit.dir, ".vitest", report), { force: true });

const turbo = spawnSync("turbo", ["run", "test", "--concurrency=1", "--continue", ...process.argv.slice(2)], {
  stdio: "inherit",
  shell: process.platform === "win32",
});
const code = summarise(root, { turboExit: turbo.status ?? 1 });
process.exit(code);
