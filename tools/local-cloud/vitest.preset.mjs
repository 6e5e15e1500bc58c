// Plain JavaScript on purpose: vitest loads the configs of other packages through Node itself,
// which cannot import TypeScript from node_modules.
import { accessSync, constants, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { configDefaults, defineConfig } from "vitest/config";

/** True when an executable `moto_server` is on the PATH. */
function motoServerOnPath() {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, "moto_server"), constants.X_OK);
      return true;
    } catch {
      // not in this folder
    }
  }
  return false;
}

/**
 * The AWS compatibility suite (`test/compat`) runs against `moto_server`. Without it the suite is
 * left out with one line saying so, and the rest runs; CI must run it, so there it is an error.
 */
function compatExclude() {
  if (!existsSync(join(process.cwd(), "test", "compat")) || motoServerOnPath()) return [];
  if (process.env.CI === "true")
    throw new Error(
      'moto_server not on PATH: CI must run the AWS compatibility suite (test/compat); pip install "moto[server]"',
    );
  console.log("moto_server not on PATH: AWS compatibility suite not run");
  return ["test/compat/**"];
}

/** The coverage every package must keep: issue 13's target. */
export const COVERAGE_TARGET = Object.freeze({ lines: 90, branches: 85 });

/**
 * Writes the package's coverage totals and thresholds to `.vitest/coverage.json`, which the root
 * test command's closing summary reads: vitest checks the thresholds only after its JSON report is
 * written, so without this file a package whose tests all passed but whose coverage dropped would
 * look green there. The totals are taken from the same coverage map vitest checks.
 */
class CoverageRecord {
  onInit(vitest) {
    this.vitest = vitest;
  }

  onCoverage(coverageMap) {
    const totals = coverageMap.getCoverageSummary();
    const thresholds = this.vitest.config.coverage.thresholds ?? {};
    const record = Object.fromEntries(
      ["lines", "branches"].map((key) => [
        key,
        {
          pct: totals[key].pct,
          threshold: thresholds[key] ?? 0,
          met: totals[key].pct >= (thresholds[key] ?? 0),
        },
      ]),
    );
    const file = join(this.vitest.config.root, ".vitest", "coverage.json");
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
  }
}

/**
 * The shared vitest configuration. `withCloud` adds the global setup that starts the local
 * services once per package run; integration tests then `inject("cloud")` for the endpoints.
 *
 * Coverage is measured, and its thresholds enforced, when the package's `test` script runs (that
 * is what turbo and `pnpm test` run), so CI runs every test once and a drop below the thresholds
 * fails the package. A narrower run (`npx vitest run <file>`) skips coverage: a subset of the tests
 * would fail thresholds set for all of them; `--coverage` turns it on there too.
 *
 * `coverage.lines` / `coverage.branches` lower the package's thresholds below the target, for a
 * package not there yet (with a comment saying so); `coverage.exclude` leaves out files that
 * cannot run in a test, each with its reason in the package's config.
 * @param {{ withCloud?: boolean, coverage?: { lines?: number, branches?: number, exclude?: string[] } }} [options]
 */
export function etlVitestConfig(options = {}) {
  const thresholds = { ...COVERAGE_TARGET, ...options.coverage };
  return defineConfig({
    test: {
      include: ["src/**/*.test.ts", "test/**/*.test.ts"],
      exclude: [...configDefaults.exclude, ...compatExclude()],
      globalSetup: options.withCloud
        ? [fileURLToPath(new URL("./src/testing/global-setup.ts", import.meta.url))]
        : [],
      // Each package writes a JSON report that the root `pnpm test` sums up (and turbo caches).
      reporters: ["default", ["json", { outputFile: ".vitest/results.json" }], new CoverageRecord()],
      coverage: {
        enabled: process.env.npm_lifecycle_event === "test",
        provider: "v8",
        // Every source file counts, loaded by a test or not: an untested file is 0%, not absent.
        include: ["src/**/*.ts"],
        exclude: ["**/*.test.ts", "**/*.d.ts", ...(options.coverage?.exclude ?? [])],
        reporter: ["text-summary", "json-summary"],
        reportsDirectory: ".vitest/coverage",
        thresholds: { lines: thresholds.lines, branches: thresholds.branches },
      },
      passWithNoTests: true,
      testTimeout: 60_000,
      hookTimeout: 120_000,
      pool: "forks",
      env: {
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
        ETL_LOG_LEVEL: process.env.ETL_LOG_LEVEL ?? "SILENT",
        POWERTOOLS_LOG_LEVEL: "SILENT",
        POWERTOOLS_METRICS_DISABLED: "true",
      },
    },
  });
}
