export { type TransformConfig, TransformConfigSchema } from "./config";
export { createTransformDeps, type TransformAppDeps } from "./deps";
export { OutputConflictError, PreviousRunPendingError, RawDataError, type RawLocation } from "./errors";
export {
  runTransform,
  type TableProgress,
  type TransformDeps,
  type TransformLogger,
  type TransformOutcome,
} from "./run-transform";
export { parquetColumns, toParquetColumn } from "./steps/parquet-columns";
export { STATE_TABLES, type StateTable } from "./steps/reference-state";
export { decodeS3EventKey, manifestRunIds } from "./steps/s3-notifications";
