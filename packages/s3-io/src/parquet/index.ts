/** Parquet reading and writing. The writer loads the parquet-wasm module: readers use `./read`. */

export { badParquetValue, ParquetColumnBuilder } from "./column-builders";
export { ParquetTableBuilder } from "./parquet-table-builder";
export * from "./read";
export { type WriteParquetOptions, writeParquet, writeParquetColumns } from "./write-parquet";
