/**
 * The star tables' Parquet columns come from the one mapping shared with the load's footer
 * check (`@etl/s3-io/parquet-read`).
 */
export { starParquetColumns as parquetColumns, toParquetColumn } from "@etl/s3-io/parquet-read";
