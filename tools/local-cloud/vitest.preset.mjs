// Plain JavaScript on purpose: vitest loads the configs of other packages through Node itself,
// which cannot import TypeScript from node_modules.
import { accessSync, constants, existsSync } from "node:fs";
import { delimiter, join } from "node:path";
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

/**
 * The shared vitest configuration. `withCloud` adds the global setup that starts the local
 * services once per package run; integration tests then `inject("cloud")` for the endpoints.
 * @param {{ withCloud?: boolean }} [options]
 */
export function etlVitestConfig(options = {}) {
  return defineConfig({
    test: {
      include: ["src/**/*.test.ts", "test/**/*.test.ts"],
      exclude: [...configDefaults.exclude, ...compatExclude()],
      globalSetup: options.withCloud
        ? [fileURLToPath(new URL("./src/testing/global-setup.ts", import.meta.url))]
        : [],
      // Each package writes a JSON report that the root `pnpm test` sums up (and turbo caches).
      reporters: ["default", ["json", { outputFile: ".vitest/results.json" }]],
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
