export {
  type ConnectionResolverOptions,
  type ConnectionSource,
  createConnectionResolver,
  DB_TLS_MODES,
  type DbTlsMode,
  type DbTlsSettings,
  dbTlsFromEnv,
  LAMBDA_CA_BUNDLE,
  sslOptions,
} from "./credentials";
export { type SqlDialect, sqlType } from "./ddl/column-type";
export { type AdditiveColumn, addColumnIfMissingSql, controlDdl, redshiftControlDdl } from "./ddl/control";
export {
  OLTP_TABLE_NAMES,
  OLTP_TABLES,
  oltpDdl,
  oltpForeignKeys,
  oltpIndexDdl,
  oltpLastUpdatedIndex,
  oltpPrimaryKey,
  oltpTableDdl,
  oltpValidateForeignKeys,
} from "./ddl/oltp";
export { redshiftWarehouseDdl, warehouseDdl } from "./ddl/warehouse";
export { csvField, fixedWidthFields, fixedWidthToCsv, jsonLineToCsv, rowToCsv } from "./file-load/csv-encode";
export {
  type FileField,
  type FileLedgerEntry,
  type FileLoadSpec,
  type FileWriteMode,
  loadedColumns,
} from "./file-load/file-load-spec";
export { type ImpreciseNumber, impreciseNumbers, isImpreciseNumber } from "./file-load/json-numbers";
export { loadFileIntoPostgres, type PostgresFileLoadResult } from "./file-load/postgres-file-load";
export {
  type CsvDialect,
  copyCharLiteral,
  DEFAULT_CSV,
  postgresCopySql,
  postgresWriteSql,
} from "./file-load/postgres-file-sql";
export {
  createRedshiftFileLoader,
  type RedshiftFileLoader,
  StatementStillRunningError,
  type TableColumn,
} from "./file-load/redshift-file-load";
export {
  jsonPathsDocument,
  POSTGRES_TABLE_COLUMNS_SQL,
  type RedshiftCopySource,
  type RedshiftFileFormat,
  redshiftFileBatchSql,
  redshiftFileCopySql,
} from "./file-load/redshift-file-sql";
export {
  DEFAULT_PREFIXES,
  delimitedOptions,
  FILE_FORMATS,
  type FileFormat,
  type FileRule,
  type FileRuleInput,
  FileRuleSchema,
  globToRegExp,
  isLineFormat,
  type RuleColumn,
  ruleProblems,
  type WriteMode,
} from "./rules/file-rule";
export {
  createFileRulesRepository,
  DEFAULT_RULES_SCHEMA,
  type FileRulesRepository,
  fileRulesDdl,
  matchRule,
  type Queryable,
  type RuleMatch,
  type StoredRule,
} from "./rules/rules-repository";
export {
  type HeldBackBy,
  type LateCommitGuard,
  openSourceSnapshot,
  type SourceSnapshot,
  type SourceSnapshotOptions,
} from "./source/snapshot";
export { qualified, quoteIdent } from "./sql";
export { CopyTextWriter, unscaledToDecimalText } from "./warehouse/copy-text";
export {
  LoadDataError,
  type LoadErrorContext,
  LoadTransientError,
  loadErrorContext,
  PreviousRunNotLoadedError,
  toLoadError,
} from "./warehouse/errors";
export {
  type FileLoadResult,
  loadParquetIntoPostgres,
  loadRunIntoPostgres,
  type ParquetFileSource,
  type ParquetTableLoad,
  type PostgresRunLoad,
  type RunLoadResult,
  type TableFiles,
  type TableLoadResult,
} from "./warehouse/load-run";
export { addMissingPostgresColumns, migratePostgresWarehouse } from "./warehouse/migrate";
export { mergeSql, type TablePlan, tablePlan } from "./warehouse/statements";
