export { createFilesDeps, type FilesAppDeps } from "./files/deps";
export {
  type CompletionDeps,
  type CompletionOutcome,
  completeStatement,
  type SweepOutcome,
  sweepStatements,
} from "./runs/complete-statement";
export { createLoadDeps, type LoadAppDeps } from "./runs/deps";
export { StatementAbortedError, WarehouseBusyError } from "./runs/errors";
export {
  type InvocationTime,
  type LoadDeps,
  type LoadInput,
  type LoadOutcome,
  runLoad,
} from "./runs/run-load";
export { expectedParquetColumns } from "./runs/steps/parquet-footer";
export { DirectLoadEventSchema, decodeS3EventKey, manifestRunIds } from "./runs/steps/parse-messages";
export { type LoadFile, type LoadPlan, planLoad } from "./runs/steps/plan-load";
export { createPostgresWarehouse } from "./runs/steps/postgres-warehouse";
export {
  CONTINUE_NAMESPACE,
  COPY_MANIFEST_PREFIX,
  createRedshiftWarehouse,
  HANDOFF_NAMESPACE,
} from "./runs/steps/redshift-warehouse";
export type { RunWarehouse, StatementTracker } from "./runs/steps/warehouse";
export { type LoadConfig, LoadConfigSchema } from "./shared/config";
