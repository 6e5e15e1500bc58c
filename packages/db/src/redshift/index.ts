export { classifyStatementError, type FailureKind } from "./classify";
export {
  createRedshiftDataApi,
  isTerminal,
  type ParameterValues,
  type RedshiftDataApi,
  type RedshiftTarget,
  type ResultRow,
  type StatementState,
  type StatementStatus,
  TERMINAL_STATES,
} from "./data-api";
export { migrateRedshift, redshiftMigrationSql } from "./migrate";
export {
  type CopySource,
  copyManifest,
  copySql,
  dedupeSql,
  dropKnownSql,
  finishRunSql,
  iamRoleLiteral,
  type LedgerFile,
  LOAD_ERROR_DETAIL_SQL,
  ledgerSql,
  loadedKeysOfRunSql,
  mergeIntoTargetSql,
  type RunRowInput,
  redshiftSourceName,
  redshiftStagingDdl,
  redshiftStagingName,
  redshiftStagingTablesDdl,
  runStatusOfSql,
  s3Uri,
  sqlLiteral,
  type TableBatchInput,
  tableBatchSql,
  timestampLiteral,
} from "./sql";
export { queryRows, type WaitOptions, waitForStatement } from "./wait";
