export { CopyTextWriter, unscaledToDecimalText } from "./copy-text";
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
} from "./load-run";
export { migratePostgresWarehouse } from "./migrate";
export { mergeSql, type TablePlan, tablePlan } from "./statements";
