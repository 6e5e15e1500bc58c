import type { UserConfig } from "vitest/config";

export declare const COVERAGE_TARGET: Readonly<{ lines: number; branches: number }>;

export declare function etlVitestConfig(options?: {
  withCloud?: boolean;
  coverage?: { lines?: number; branches?: number; exclude?: string[] };
}): UserConfig;
