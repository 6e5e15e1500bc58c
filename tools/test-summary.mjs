#!/usr/bin/env node
// Sums the vitest JSON reports of every package (fresh or restored from turbo's cache) into one
// closing summary, and fails when no test ran at all: a green run that tested nothing is a failure.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const root = process.cwd();
const units = ["apps", "packages", "tools"]
  .flatMap((group) =>
    existsSync(join(root, group)) ? readdirSync(join(root, group)).map((n) => join(group, n)) : [],
  )
  .concat(["infra"]);
let files = 0;
let passed = 0;
let failed = 0;
let skipped = 0;
const rows = [];
for (const unit of units) {
  const report = join(root, unit, ".vitest", "results.json");
  if (!existsSync(report)) continue;
  const r = JSON.parse(readFileSync(report, "utf8"));
  files += r.numTotalTestSuites ? r.testResults.length : 0;
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  skipped += r.numPendingTests + (r.numTodoTests ?? 0);
  rows.push(
    `  ${unit.padEnd(20)} ${String(r.numPassedTests).padStart(5)} passed  ${r.numFailedTests} failed`,
  );
}
console.log("\nTests by package:");
for (const row of rows) console.log(row);
console.log(` Test Files  ${files} (${rows.length} packages)`);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
if (passed === 0 || failed > 0) process.exit(1);
