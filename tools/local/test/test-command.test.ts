import { execFileSync, spawnSync } from "node:child_process";
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const summary = join(repo, "tools/test-summary.mjs");
const runTests = join(repo, "tools/run-tests.mjs");
const turbo = join(repo, "node_modules/.bin/turbo");
let root = "";

afterEach(() => {
  if (root) rmSync(root, { recursive: true, force: true });
  root = "";
});

function write(path: string, text: string): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
}

interface Coverage {
  lines: number;
  branches: number;
  thresholds?: { lines: number; branches: number };
}

function unit(dir: string, report?: { passed: number; failed: number }, coverage?: Coverage): void {
  write(
    `${dir}/package.json`,
    JSON.stringify({ name: `@etl/${dir.split("/")[1]}`, scripts: { test: "vitest run" } }),
  );
  if (!report) return;
  write(
    `${dir}/.vitest/results.json`,
    JSON.stringify({
      numTotalTestSuites: 1,
      testResults: [{}],
      numPassedTests: report.passed,
      numFailedTests: report.failed,
      numPendingTests: 0,
      success: report.failed === 0,
    }),
  );
  if (!coverage) return;
  const thresholds = coverage.thresholds ?? { lines: 90, branches: 85 };
  const entry = (pct: number, threshold: number) => ({ pct, threshold, met: pct >= threshold });
  write(
    `${dir}/.vitest/coverage.json`,
    JSON.stringify({
      lines: entry(coverage.lines, thresholds.lines),
      branches: entry(coverage.branches, thresholds.branches),
    }),
  );
}

/** A copy of the repository's tracked files, so a change never touches the work tree. */
function copyOfRepository(): string {
  const dir = mkdtempSync(join(tmpdir(), "etl-turbo-"));
  const files = execFileSync("git", ["ls-files", "-z"], { cwd: repo, encoding: "utf8" }).split("\0");
  for (const file of files.filter(Boolean)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    copyFileSync(join(repo, file), join(dir, file));
  }
  return dir;
}

function testHashes(cwd: string): Map<string, { hash: string; dependencies: string[] }> {
  const out = execFileSync(turbo, ["run", "test", "--dry=json"], {
    cwd,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
  });
  const dry = JSON.parse(out) as { tasks: { taskId: string; hash: string; dependencies: string[] }[] };
  return new Map(dry.tasks.map((t) => [t.taskId, { hash: t.hash, dependencies: t.dependencies }]));
}

describe("the test command's closing summary", () => {
  it("names a package whose tests failed and one that left no report, and exits 1", () => {
    root = mkdtempSync(join(tmpdir(), "etl-summary-"));
    unit("packages/schemas", { passed: 10, failed: 0 });
    unit("apps/transform", { passed: 7, failed: 2 });
    unit("apps/load");

    const result = spawnSync(process.execPath, [summary], { cwd: root, encoding: "utf8" });

    expect(result.status).toBe(1);
    expect(result.stdout).toContain("Failed packages: @etl/load, @etl/transform");
    expect(result.stdout).toMatch(/apps\/load\s+- no test report/);
    expect(result.stdout.trim().split("\n").at(-1)).toBe("17 passed, 2 failed");
  });

  it("exits 0 when every package passed", () => {
    root = mkdtempSync(join(tmpdir(), "etl-summary-"));
    unit("packages/schemas", { passed: 3, failed: 0 });

    const result = spawnSync(process.execPath, [summary], { cwd: root, encoding: "utf8" });

    expect(result.status).toBe(0);
    expect(result.stdout.trim().split("\n").at(-1)).toBe("3 passed, 0 failed");
  });

  it("names a package whose tests passed but whose coverage is below its thresholds", () => {
    root = mkdtempSync(join(tmpdir(), "etl-summary-"));
    unit("packages/schemas", { passed: 5, failed: 0 }, { lines: 95.5, branches: 88 });
    unit("tools/local", { passed: 4, failed: 0 }, { lines: 91, branches: 70.25 });

    const result = spawnSync(process.execPath, [summary], { cwd: root, encoding: "utf8" });

    expect(result.status).toBe(1);
    expect(result.stdout).toContain("Failed packages: @etl/local (branches 70.25% < 85%)");
    expect(result.stdout).toMatch(/packages\/schemas\s+5 passed\s+0 failed\s+lines 95.5%\s+branches 88%/);
    expect(result.stdout).toMatch(/tools\/local\s+4 passed\s+0 failed\s+lines 91%\s+branches 70.25% < 85%/);
  });

  it("holds a package to the thresholds its own config sets", () => {
    root = mkdtempSync(join(tmpdir(), "etl-summary-"));
    unit(
      "apps/load",
      { passed: 5, failed: 0 },
      { lines: 80, branches: 70, thresholds: { lines: 80, branches: 70 } },
    );

    const result = spawnSync(process.execPath, [summary], { cwd: root, encoding: "utf8" });

    expect(result.status).toBe(0);
    expect(result.stdout).not.toContain("Failed packages");
  });

  it("fails a run that tested nothing", () => {
    root = mkdtempSync(join(tmpdir(), "etl-summary-"));
    unit("packages/schemas", { passed: 0, failed: 0 });

    const result = spawnSync(process.execPath, [summary], { cwd: root, encoding: "utf8" });

    expect(result.status).toBe(1);
  });
});

/**
 * A package for a small workspace of its own whose `test` writes a vitest-shaped report with
 * `failed` failed tests, and exits 1 when any failed, as vitest does.
 */
function scriptedUnit(dir: string, passed: number, failed: number, after = ""): void {
  const report = JSON.stringify({
    numTotalTestSuites: 1,
    testResults: [{}],
    numPassedTests: passed,
    numFailedTests: failed,
    numPendingTests: 0,
    success: failed === 0,
  });
  write(`${dir}/report.json`, report);
  write(
    `${dir}/package.json`,
    JSON.stringify({
      name: `@etl/${dir.split("/")[1]}`,
      scripts: {
        test: `node -e "require('fs').mkdirSync('.vitest',{recursive:true});require('fs').copyFileSync('report.json','.vitest/results.json');${after};process.exit(${failed > 0 ? 1 : 0})"`,
      },
    }),
  );
}

/**
 * Runs the repo's test command in a small workspace of its own made of `units` (each one writes
 * its scripted unit), and returns what it printed and its exit code.
 */
function runTestCommandOn(units: () => void) {
  root = mkdtempSync(join(tmpdir(), "etl-run-tests-"));
  // npm, not pnpm, runs the packages' scripts here: it is on every machine with Node.
  write(
    "package.json",
    JSON.stringify({ name: "mini", private: true, packageManager: "npm@10.9.0", workspaces: ["packages/*"] }),
  );
  write("turbo.json", JSON.stringify({ tasks: { test: { outputs: [".vitest/**"] } } }));
  copyFileSync(runTests, join(root, "run-tests.mjs"));
  copyFileSync(summary, join(root, "test-summary.mjs"));
  units();
  execFileSync("git", ["init", "-q"], { cwd: root });
  return spawnSync(process.execPath, ["run-tests.mjs"], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, PATH: `${dirname(turbo)}:${process.env.PATH}`, TURBO_TELEMETRY_DISABLED: "1" },
  });
}

describe("the test command", () => {
  it("goes on past failed packages and names every one of them in the closing summary", () => {
    const result = runTestCommandOn(() => {
      scriptedUnit("packages/first", 2, 1);
      scriptedUnit("packages/second", 3, 2);
      scriptedUnit("packages/third", 4, 0);
    });

    // With one task at a time, a run that stopped at its first failure would leave a report
    // from one failed package only, never from both.
    expect(result.status).toBe(1);
    expect(result.stdout).toContain("Failed packages: @etl/first, @etl/second");
    expect(result.stdout).toMatch(/packages\/third\s+4 passed\s+0 failed/);
    expect(result.stdout.trim().split("\n").at(-1)).toBe("9 passed, 3 failed");
  }, 120_000);

  it("names a package whose tests passed but whose process failed, with the end of its log", () => {
    const result = runTestCommandOn(() => {
      scriptedUnit(
        "packages/teardown",
        5,
        0,
        "console.error('Error during global teardown: cannot stop the database');process.exit(1)",
      );
      scriptedUnit("packages/fine", 2, 0);
    });

    expect(result.status).toBe(1);
    expect(result.stdout).toContain("Failed packages: @etl/teardown (exited 1 after its tests)");
    expect(result.stdout).toMatch(
      /The end of @etl\/teardown's log[^\n]*:\n(.*\n)*.*Error during global teardown: cannot stop the database/,
    );
    expect(result.stdout).not.toContain("The end of @etl/fine's log");
    expect(result.stdout.trim().split("\n").at(-1)).toBe("7 passed, 0 failed");
  }, 120_000);
});

describe("turbo's test cache", () => {
  it("re-runs the tests of every package that depends on a changed package", () => {
    root = copyOfRepository();
    const before = testHashes(root);

    appendFileSync(join(root, "packages/schemas/src/tables.ts"), "\n// a change\n");
    const after = testHashes(root);

    // A different hash is a cache miss: turbo cannot replay the earlier result.
    expect(after.get("@etl/transform#test")?.hash).not.toBe(before.get("@etl/transform#test")?.hash);
    expect(after.get("@etl/load#test")?.hash).not.toBe(before.get("@etl/load#test")?.hash);
    expect(after.get("@etl/schemas#test")?.hash).not.toBe(before.get("@etl/schemas#test")?.hash);
    // A package that does not depend on @etl/schemas keeps its hash.
    expect(after.get("@etl/local-cloud#test")?.hash).toBe(before.get("@etl/local-cloud#test")?.hash);
  }, 60_000);
});
