import { etlVitestConfig } from "@etl/local-cloud/vitest-preset";

// At or above the target (90/85): measured at 96.25% of lines and 85.06% of branches of its own files.
export default etlVitestConfig({
  withCloud: true,
  coverage: {
    lines: 96,
    branches: 85,
    // vitest takes ../local-cloud for a folder inside this package (its root is a prefix of that
    // path), so the local cloud's files would count here too; they are measured in their package.
    exclude: [
      "**/local-cloud/src/**",
      // The process entry of `etl`: it only calls runEtl (tested in-process) and exits with its code.
      "src/cli/main.ts",
      // Process entries the bench runs in a child (measure.ts runCase) so their peak RSS is their
      // own; in-process coverage cannot see them; the bench stage tests run every one.
      "src/bench/cases/**",
      // Only bench/cases/first-load-duckdb.ts (a child process, above) imports it.
      "src/bench/first-load/duckdb-star-reference.ts",
      // The profiling scripts run by hand (`node --import tsx ...`): they work at import, on argv.
      "src/bench/first-load/profile-*.ts",
    ],
  },
});
