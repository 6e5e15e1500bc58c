import type { Dashboard } from "./dashboard";
import type { Filters } from "./filters";
import { PAGE_IDS, renderReport } from "./render";

/** Every page of the dashboard as one self-contained HTML document. */
export async function writeReportHtml(
  dashboard: Dashboard,
  filters: Filters = {},
  now: () => Date = () => new Date(),
): Promise<string> {
  const models = [];
  for (const id of PAGE_IDS) models.push((await dashboard.page(id, filters)).model);
  return renderReport(models, { filters, writtenAt: now().toISOString() });
}
