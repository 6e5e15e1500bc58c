/** What a value is, for formatting in the reader's locale. */
export type ValueKind = "money" | "count" | "seconds";
/** What a label is: months and days are formatted in the reader's locale too. */
export type LabelKind = "month" | "day" | "text";

export interface Series {
  name: string;
  kind: ValueKind;
  /** ISO 4217 code of a money series. */
  currency?: string;
  /** One value per label; null where there is none. Money in major units (pounds, dollars). */
  values: (number | null)[];
}

/** A chart and the table of its exact numbers under it. */
export interface ChartModel {
  id: string;
  title: string;
  type: "bar" | "line";
  stacked?: boolean;
  /** A logarithmic value axis: for values that span seconds to years (latency). */
  logarithmic?: boolean;
  /** Bars run left to right, labels down the side: for long names. */
  horizontal?: boolean;
  labelKind: LabelKind;
  labelHeader: string;
  labels: string[];
  series: Series[];
  /** Shown instead of the chart when there is nothing to draw. */
  empty?: string;
}

/** A table without a chart (failures, dead letters): rows of text and numbers. */
export interface ListModel {
  id: string;
  title: string;
  columns: { header: string; kind: ValueKind | "text" | "time" }[];
  rows: (string | number | null)[][];
  /** Shown instead of the table when it has no rows: "none recorded", or why it cannot be known. */
  empty: string;
}

/** A headline figure. */
export interface Figure {
  id: string;
  label: string;
  kind: ValueKind;
  currency?: string;
  value: number;
}

export type PageId = "sales" | "purchases" | "payments" | "pipeline";

export interface PageModel {
  id: PageId;
  title: string;
  figures: Figure[];
  charts: ChartModel[];
  lists: ListModel[];
  /** Said at the top of the page: a filter ignored, a source that could not be read. */
  notices: string[];
  /** Shown instead of everything else: the warehouse cannot be read, or the star is not loaded. */
  problem?: { kind: "unreachable" | "missing" | "failed" | "empty"; message: string };
  /** Where the figures come from and as of when. */
  source: string;
}

export const PAGE_TITLES: Record<PageId, string> = {
  sales: "Sales",
  purchases: "Purchases",
  payments: "Payments",
  pipeline: "Pipeline health",
};
