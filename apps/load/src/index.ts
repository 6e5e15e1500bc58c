export {
  type CompletionDeps,
  type CompletionOutcome,
  completeStatement,
  type SweepOutcome,
  sweepStatements,
} from "./complete-statement";
export { type LoadConfig, LoadConfigSchema } from "./config";
export { createLoadDeps, type LoadAppDeps } from "./deps";
export { StatementAbortedError, WarehouseBusyError } from "./errors";
export { type InvocationTime, type LoadDeps, type LoadInput, type LoadOutcome, runLoad } from "./run-load";
export { expectedParquetColumns } from "./steps/parquet-footer";
export { DirectLoadEventSchema, decodeS3EventKey, manifestRunIds } from "./steps/parse-messages";
export { type LoadFile, type LoadPlan, planLoad } from "./steps/plan-load";
export { createPostgresWarehouse } from "./steps/postgres-warehouse";
export {
  CONTINUE_NAMESPACE,
  COPY_MANIFEST_PREFIX,
  createRedshiftWarehouse,
  HANDOFF_NAMESPACE,
} from "./steps/redshift-warehouse";
export type { StatementTracker, Warehouse } from "./steps/warehouse";
