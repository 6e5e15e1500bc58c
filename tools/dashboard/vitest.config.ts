import { fileURLToPath } from "node:url";
import { etlVitestConfig } from "@etl/local-cloud/vitest-preset";
import { mergeConfig } from "vitest/config";

// The browser setup installs (or finds) Chromium once for the browser tests.
export default mergeConfig(etlVitestConfig({ withCloud: true, coverage: { exclude: ["src/index.ts"] } }), {
  test: { globalSetup: [fileURLToPath(new URL("./test/browser-setup.ts", import.meta.url))] },
});
