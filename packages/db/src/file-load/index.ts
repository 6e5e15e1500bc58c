export { csvField, fixedWidthFields, fixedWidthToCsv, jsonLineToCsv, rowToCsv } from "./csv-encode";
export {
  type FileField,
  type FileLedgerEntry,
  type FileLoadSpec,
  type FileWriteMode,
  loadedColumns,
} from "./file-load-spec";
export { type ImpreciseNumber, impreciseNumbers, isImpreciseNumber } from "./json-numbers";
export { loadFileIntoPostgres, type PostgresFileLoadResult } from "./postgres-file-load";
export {
  type CsvDialect,
  copyCharLiteral,
  DEFAULT_CSV,
  postgresCopySql,
  postgresWriteSql,
} from "./postgres-file-sql";
export {
  createRedshiftFileLoader,
  fileLoadError,
  type RedshiftFileLoader,
  type TableColumn,
} from "./redshift-file-load";
export {
  jsonPathsDocument,
  POSTGRES_TABLE_COLUMNS_SQL,
  type RedshiftCopySource,
  type RedshiftFileFormat,
  redshiftFileBatchSql,
  redshiftFileCopySql,
} from "./redshift-file-sql";
