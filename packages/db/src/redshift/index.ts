export { classifyStatementError, type FailureKind } from "./classify";
export {
  connectRedshiftDataApi,
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
export { DELETION_KEYS_PER_STATEMENT, redshiftDeletionStatements } from "./deletions";
export { copyManifest, iamRoleLiteral, s3Uri, sqlLiteral, timestampLiteral } from "./literals";
export {
  addColumnSql,
  addMissingRedshiftColumns,
  EXISTING_COLUMNS_SQL,
  LOADER_MEMBERSHIP_SQL,
  LOADER_ROLE,
  loaderGrantsSql,
  migrateRedshift,
  OWNED_OBJECTS_SQL,
  redshiftAdditiveColumns,
  redshiftMigrationSql,
} from "./migrate";
export {
  finishRunSql,
  LOAD_ERROR_DETAIL_SQL,
  loadedKeysOfRunSql,
  type RunRowInput,
  runStatusOfSql,
  writtenOfRunSql,
} from "./run-ledger-sql";
export {
  type CopySource,
  copySql,
  dedupeSql,
  dropKnownSql,
  dropStaleSql,
  type LedgerFile,
  ledgerSql,
  mergeIntoTargetSql,
  redshiftSourceName,
  redshiftStagingDdl,
  redshiftStagingName,
  redshiftStagingTablesDdl,
  type TableBatchInput,
  tableBatchSql,
  tableLedgerSql,
} from "./sql";
export {
  createStatementRunner,
  defaultRetryDelayMs,
  isResubmittable,
  type StatementRunner,
  type StatementRunnerOptions,
  type StatementRunOptions,
  StatementStillRunningError,
  type StatementWork,
} from "./statement-runner";
export { queryRows, type WaitOptions, waitForStatement } from "./wait";
