import {
  checkParquetSchema,
  type ParquetColumn,
  readParquetSchema,
  starParquetColumns,
} from "@etl/s3-io/parquet-read";
import { DataError, SOURCE_UPDATED_AT_COLUMN, type StarTable } from "@etl/schemas";

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
 *
 * A dimension file written before `source_updated_at` was added (runs queued at deploy time, or
 * redriven later) lacks exactly that trailing column: it is accepted, and `missing` names it, so
 * the load stages NULL there (a NULL version is older than any dated row in the merge).
 */
export function checkParquetFooter(table: StarTable, key: string, bytes: Uint8Array): { missing: string[] } {
  const schema = readParquetSchema(bytes);
  const expected = expectedParquetColumns(table);
  const problems = checkParquetSchema(schema, expected);
  const last = expected[expected.length - 1];
  if (
    problems.length > 0 &&
    last?.name === SOURCE_UPDATED_AT_COLUMN &&
    schema.columns.length === expected.length - 1 &&
    checkParquetSchema(schema, expected.slice(0, -1)).length === 0
  )
    return { missing: [SOURCE_UPDATED_AT_COLUMN] };
  if (problems.length > 0) {
    throw new DataError(
      `${table} ${key}: the Parquet footer does not fit the table: ${problems.join("; ")}`,
      {
        code: "BAD_PARQUET_SCHEMA",
      },
    );
  }
  return { missing: [] };
}
