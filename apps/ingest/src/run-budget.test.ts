import { describe, expect, it } from "vitest";
import { budgetedSettings } from "./run-budget";

const SETTINGS = { bucket: "ingest", safetyLagSeconds: 60, partMaxBytes: 1024 };

describe("budgetedSettings", () => {
  it("keeps a budget that is set", () => {
    const set = { ...SETTINGS, budget: { seconds: 3, rowsPerSecond: 20_000 } };
    expect(budgetedSettings(set, 20_000, { getRemainingTimeInMillis: () => 900_000 })).toBe(set);
  });

  it("derives one from the Lambda's remaining time: half of it, less a minute", () => {
    const settings = budgetedSettings(SETTINGS, 20_000, { getRemainingTimeInMillis: () => 900_000 });
    expect(settings.budget).toEqual({ seconds: 420, rowsPerSecond: 20_000 });
  });

  it("never derives less than a second", () => {
    const settings = budgetedSettings(SETTINGS, 20_000, { getRemainingTimeInMillis: () => 30_000 });
    expect(settings.budget?.seconds).toBe(1);
  });

  it("has none outside Lambda without the setting", () => {
    expect(budgetedSettings(SETTINGS, 20_000).budget).toBeUndefined();
  });
});
