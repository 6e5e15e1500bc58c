export { createDashboard, type Dashboard, type DashboardOptions, type PageTimings } from "./dashboard";
export { WarehouseUnavailableError } from "./errors";
export { type Filters, filterQuery, parseFilters } from "./filters";
export type { PageId, PageModel } from "./page-model";
export type {
  DeadLetterEntry,
  DriftEntry,
  FailureEntry,
  PipelineRecords,
  QuarantineEntry,
} from "./pipeline-page";
export { createRedshiftReader, type RedshiftReaderOptions } from "./redshift-reader";
export { writeReportHtml } from "./report";
export { isLoopback, newToken, type RunningServer, type ServerOptions, startDashboardServer } from "./server";
export { DEFAULT_NAMES, type WarehouseNames } from "./snapshot";
export { createPostgresReader, type PostgresReaderOptions, type WarehouseReader } from "./warehouse-reader";
