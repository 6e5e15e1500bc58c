import {
  checkParquetSchema,
  type ParquetColumn,
  readParquetSchema,
  starParquetColumns,
} from "@etl/s3-io/parquet-read";
import { DataError, type StarTable } from "@etl/schemas";

/**
 * The Parquet columns a star table's files must have, in order: Redshift's Parquet COPY maps
 * columns by position and converts nothing, so names, order, physical and logical types and
 * decimal precision and scale must all match. Nullability is left to the warehouse's NOT NULL
 * constraints: a writer may mark a column optional that holds no NULL.
 */
export function expectedParquetColumns(table: StarTable): ParquetColumn[] {
  return starParquetColumns(table).map((c) => ({ ...c, nullable: true }));
}

/**
 * Checks a file's footer against its table before anything is submitted; a mismatch is a
 * `DataError` naming the file, the column, and the expected and found types.
 */
export function checkParquetFooter(table: StarTable, key: string, bytes: Uint8Array): void {
  const problems = checkParquetSchema(readParquetSchema(bytes), expectedParquetColumns(table));
  if (problems.length > 0) {
    throw new DataError(
      `${table} ${key}: the Parquet footer does not fit the table: ${problems.join("; ")}`,
      {
        code: "BAD_PARQUET_SCHEMA",
      },
    );
  }
}
