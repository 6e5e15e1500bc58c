import type { IngestSettings } from "./steps/ingest-run";

/** Seconds kept back from the invocation's remaining time: the manifest, the state writes, a slow start. */
const MARGIN_SECONDS = 60;

/**
 * The run's settings with its time budget: `RUN_BUDGET_SECONDS` when set; on Lambda otherwise
 * half of what is left of the invocation less a minute, as the rate the budget is turned into
 * rows at is measured, not guaranteed (each later stage has its own function and 15 minutes).
 * Neither (a local run without the setting): no budget, every first snapshot is read whole.
 */
export function budgetedSettings(
  settings: IngestSettings,
  rowsPerSecond: number,
  context?: { getRemainingTimeInMillis(): number },
): IngestSettings {
  if (settings.budget || !context) return settings;
  const seconds = Math.max(1, (context.getRemainingTimeInMillis() / 1000 - MARGIN_SECONDS) / 2);
  return { ...settings, budget: { seconds, rowsPerSecond } };
}
