import { checkParquetSchema, type ParquetColumn, readParquetSchema } from "@etl/s3-io/parquet-read";
import { type ColumnType, DataError, STAR_COLUMNS, type StarTable } from "@etl/schemas";

const PARQUET_TYPES: Record<ColumnType, ParquetColumn["type"]> = {
  int: "int32",
  bigint: "int64",
  text: "utf8",
  time: "utf8",
  date: "date",
  decimal: "decimal",
  boolean: "bool",
};

/**
 * The Parquet columns a star table's files must have, in order: Redshift's Parquet COPY maps
 * columns by position and converts nothing, so names, order, physical and logical types and
 * decimal precision and scale must all match. Nullability is left to the warehouse's NOT NULL
 * constraints: a writer may mark a column optional that holds no NULL.
 */
export function expectedParquetColumns(table: StarTable): ParquetColumn[] {
  return STAR_COLUMNS[table].map((c) => ({
    name: c.name,
    type: PARQUET_TYPES[c.type],
    nullable: true,
    ...(c.type === "decimal" ? { precision: c.precision, scale: c.scale } : {}),
  }));
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
