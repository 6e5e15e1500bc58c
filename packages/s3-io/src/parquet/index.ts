/** Parquet reading and writing. The writer loads the parquet-wasm module: readers use `./read`. */
export * from "./read";
export {
  badParquetValue,
  ParquetColumnBuilder,
  ParquetTableBuilder,
} from "./column-builders";
export { type WriteParquetOptions, writeParquet, writeParquetColumns } from "./write-parquet";
