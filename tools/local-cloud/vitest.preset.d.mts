import type { UserConfig } from "vitest/config";

export declare function etlVitestConfig(options?: { withCloud?: boolean }): UserConfig;
