import { etlVitestConfig } from "@etl/local-cloud/vitest-preset";

export default etlVitestConfig({
  withCloud: false,
  coverage: {
    // raise to 90/85: issue 13
    lines: 95,
    branches: 83,
    exclude: [
      // The CDK entry: builds the app and synthesises on import (cdk synth runs it); the stacks it
      // builds are tested through createEtlStacks.
      "src/main.ts",
      // The deploy:changed script: runs main() on import, so tests run it as a child process
      // (test/deploy-changed.test.ts), which coverage of the test process cannot see.
      "src/deploy/deploy-changed.ts",
    ],
  },
});
