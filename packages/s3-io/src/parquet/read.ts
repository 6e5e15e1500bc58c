/**
 * The Parquet reading half alone (hyparquet, pure JS): a bundle that only reads Parquet
 * (the load) imports this subpath and never pulls in the writer's 5 MB WASM module.
 */
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
  unscaledFromBigEndian,
  unscaledToDecimal,
} from "./columns";
export {
  checkParquetSchema,
  type ParquetColumnSchema,
  type ParquetSchemaInfo,
  readParquet,
  readParquetSchema,
} from "./read-parquet";
export { parquetColumnNames, type RowGroupVectors, readRowGroups } from "./read-row-groups";
export { starParquetColumns, toParquetColumn } from "./star-columns";
