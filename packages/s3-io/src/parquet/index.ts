/** Parquet reading and writing. The writer loads the parquet-wasm module: readers use `./read`. */

export {
  badParquetValue,
  ParquetColumnBuilder,
  ParquetTableBuilder,
} from "./column-builders";
export * from "./read";
export { type WriteParquetOptions, writeParquet, writeParquetColumns } from "./write-parquet";
