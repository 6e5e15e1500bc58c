import { execFileSync, spawnSync } from "node:child_process";
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const summary = join(repo, "tools/test-summary.mjs");
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

function unit(dir: string, report?: { passed: number; failed: number }): void {
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

  it("fails a run that tested nothing", () => {
    root = mkdtempSync(join(tmpdir(), "etl-summary-"));
    unit("packages/schemas", { passed: 0, failed: 0 });

    const result = spawnSync(process.execPath, [summary], { cwd: root, encoding: "utf8" });

    expect(result.status).toBe(1);
  });
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
