#!/usr/bin/env node
// Sums the vitest JSON reports of every package (fresh or restored from turbo's cache) into one
// closing summary, and fails when no test ran at all: a green run that tested nothing is a failure.
// A package with a test script and no report failed before vitest could write one: it is named.
// So is a package whose coverage is below its thresholds: vitest checks them after writing its
// JSON report, so the preset records them apart, in `.vitest/coverage.json`.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** Every workspace unit with a `test` script: `{ dir, name }`. */
export function testedUnits(root) {
  return ["apps", "packages", "tools"]
    .flatMap((group) =>
      existsSync(join(root, group)) ? readdirSync(join(root, group)).map((n) => join(group, n)) : [],
    )
    .concat(["infra"])
    .filter((dir) => existsSync(join(root, dir, "package.json")))
    .map((dir) => ({ dir, pkg: JSON.parse(readFileSync(join(root, dir, "package.json"), "utf8")) }))
    .filter(({ pkg }) => pkg.scripts?.test)
    .map(({ dir, pkg }) => ({ dir, name: pkg.name }));
}

/**
 * A package's coverage as the preset recorded it: one text for its row, and the measures below
 * their thresholds ("branches 80% < 85%"). No record (coverage not measured) is no text.
 */
function coverageOf(dir) {
  const file = join(dir, ".vitest", "coverage.json");
  if (!existsSync(file)) return { text: "", missed: [] };
  const record = JSON.parse(readFileSync(file, "utf8"));
  const measures = ["lines", "branches"].map((key) => {
    const { pct, threshold, met } = record[key];
    return { text: `${key} ${pct}%${met ? "" : ` < ${threshold}%`}`, met };
  });
  return {
    text: `  ${measures.map((m) => m.text.padEnd(15)).join(" ")}`.trimEnd(),
    missed: measures.filter((m) => !m.met).map((m) => m.text),
  };
}

/** Prints the summary; returns the exit code (1 when anything failed or nothing ran). */
export function summarise(root, { turboExit = 0, tasks = new Map() } = {}) {
  let files = 0;
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const rows = [];
  const broken = [];
  for (const unit of testedUnits(root)) {
    const report = join(root, unit.dir, ".vitest", "results.json");
    if (!existsSync(report)) {
      broken.push(unit);
      rows.push(`  ${unit.dir.padEnd(20)}     - no test report: the package failed before its tests ran`);
      continue;
    }
    const r = JSON.parse(readFileSync(report, "utf8"));
    files += r.numTotalTestSuites ? r.testResults.length : 0;
    passed += r.numPassedTests;
    failed += r.numFailedTests;
    skipped += r.numPendingTests + (r.numTodoTests ?? 0);
    const coverage = coverageOf(join(root, unit.dir));
    const task = tasks.get(unit.dir);
    if (r.numFailedTests > 0 || r.success === false) broken.push(unit);
    else if (coverage.missed.length > 0) broken.push({ ...unit, reason: coverage.missed.join(", ") });
    else if (task?.exitCode)
      broken.push({ ...unit, reason: `exited ${task.exitCode} after its tests`, log: task.logFile });
    rows.push(
      `  ${unit.dir.padEnd(20)} ${String(r.numPassedTests).padStart(5)} passed  ${r.numFailedTests} failed${coverage.text}`,
    );
  }
  for (const unit of broken.filter((u) => u.log)) printLogEnd(root, unit);
  console.log("\nTests by package:");
  for (const row of rows) console.log(row);
  if (broken.length > 0)
    console.log(
      `Failed packages: ${broken.map((u) => (u.reason ? `${u.name} (${u.reason})` : u.name)).join(", ")}`,
    );
  console.log(` Test Files  ${files} (${rows.length} packages)`);
  console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
  return passed === 0 || failed > 0 || broken.length > 0 || turboExit !== 0 ? 1 : 0;
}

/**
 * The last lines of a package's task log (passed-test lines left out), for a package whose tests
 * passed but whose process failed: the closing lines of a CI log then say why.
 */
function printLogEnd(root, unit) {
  const file = join(root, unit.log);
  if (!existsSync(file)) return;
  const lines = readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "" && !l.includes("\u2713"));
  console.log(`\nThe end of ${unit.name}'s log (${unit.log}):`);
  for (const line of lines.slice(-20)) console.log(`  ${line}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exit(summarise(process.cwd()));
}
