export {
  badParquetValue,
  ParquetColumnBuilder,
  ParquetTableBuilder,
} from "./column-builders";
export {
  dateToDays,
  daysToDate,
  decimalToUnscaled,
  microsToTimestamp,
  type ParquetColumn,
  type ParquetColumnType,
  type ParquetRow,
  type ParquetValue,
  timestampToMicros,
  unscaledToDecimal,
} from "./columns";
export {
  checkParquetSchema,
  type ParquetColumnSchema,
  type ParquetSchemaInfo,
  readParquet,
  readParquetSchema,
} from "./read-parquet";
export { type WriteParquetOptions, writeParquet, writeParquetColumns } from "./write-parquet";
