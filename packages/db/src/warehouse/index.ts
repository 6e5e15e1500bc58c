export { CopyTextWriter, unscaledToDecimalText } from "./copy-text";
export {
  type DeletionValues,
  deletionSql,
  insertDeletionVersionsSql,
  markDeletedSql,
  POSTGRES_DELETION_VALUES,
} from "./deletion-sql";
export {
  loadRunIntoPostgres,
  type ParquetFileSource,
  type PostgresRunLoad,
  type RunLoadResult,
  type TableFiles,
} from "./load-run";
export {
  type FileLoadResult,
  loadParquetIntoPostgres,
  type ParquetTableLoad,
  type TableLoadResult,
} from "./load-table";
export { addMissingPostgresColumns, migratePostgresWarehouse } from "./migrate";
export { mergeSql, type TablePlan, tablePlan } from "./statements";
