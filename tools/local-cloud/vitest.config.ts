import { etlVitestConfig } from "./vitest.preset.mjs";

export default etlVitestConfig({ withCloud: true });
