// Plain JavaScript on purpose: vitest loads the configs of other packages through Node itself,
// which cannot import TypeScript from node_modules.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

/**
 * The shared vitest configuration. `withCloud` adds the global setup that starts the local
 * services once per package run; integration tests then `inject("cloud")` for the endpoints.
 * @param {{ withCloud?: boolean }} [options]
 */
export function etlVitestConfig(options = {}) {
  return defineConfig({
    test: {
      include: ["src/**/*.test.ts", "test/**/*.test.ts"],
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
