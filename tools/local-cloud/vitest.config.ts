import { etlVitestConfig } from "./vitest.preset.mjs";

export default etlVitestConfig({
  withCloud: true,
  // raise to 90/85: issue 13. The services (PostgreSQL, S3, DynamoDB, the daemon) run in vitest's
  // global setup and in the daemon's own process, which coverage of the test workers cannot see.
  coverage: {
    lines: 39,
    branches: 35,
    exclude: [
      // The daemon's entry: it starts serving on import, installs process-wide signal and error
      // handlers and exits the process; what it runs (cloud-services.ts) is tested in-process.
      "src/services/daemon.ts",
    ],
  },
});
