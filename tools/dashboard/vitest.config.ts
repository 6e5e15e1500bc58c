import { fileURLToPath } from "node:url";
import { etlVitestConfig } from "@etl/local-cloud/vitest-preset";
import { mergeConfig } from "vitest/config";

export default mergeConfig(etlVitestConfig({ withCloud: true }), {
  test: {
    globalSetup: [fileURLToPath(new URL("./test/browser-setup.ts", import.meta.url))],
    coverage: {
      provider: "v8",
      include: ["src/**/*.ts"],
      exclude: ["src/**/*.test.ts", "src/index.ts"],
      reporter: ["text-summary"],
      thresholds: { lines: 90, branches: 85 },
    },
  },
});
