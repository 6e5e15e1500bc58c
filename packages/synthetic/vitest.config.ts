import { etlVitestConfig } from "@etl/local-cloud/vitest-preset";

export default etlVitestConfig({ withCloud: true });
