import { type ColumnSpec, type ColumnType, STAR_COLUMNS, type StarTable } from "@etl/schemas";
import type { ParquetColumn, ParquetColumnType } from "./columns";

/**
 * The Parquet type of each warehouse column type: the contract between the transform, which
 * writes star files, and the load, which checks their footers. Redshift's Parquet COPY does no
 * conversion, so integer widths and decimal precision and scale equal the warehouse column's;
 * `time` travels as text because Redshift cannot load `TIME` from Parquet (the merge casts it), and
 * `timestamp` (`source_updated_at`) as text too: the load's Parquet decoder turns a TIMESTAMP into
 * a millisecond `Date`, and text is cast exactly, to the microsecond, by both warehouses.
 */
const PARQUET_TYPES: Record<ColumnType, ParquetColumnType> = {
  int: "int32",
  bigint: "int64",
  text: "utf8",
  time: "utf8",
  timestamp: "utf8",
  date: "date",
  decimal: "decimal",
  boolean: "bool",
};

export function toParquetColumn(spec: ColumnSpec): ParquetColumn {
  const column: ParquetColumn = { name: spec.name, type: PARQUET_TYPES[spec.type], nullable: spec.nullable };
  if (spec.type === "decimal") {
    column.precision = spec.precision;
    column.scale = spec.scale;
  }
  return column;
}

/** The Parquet columns of a star table, in `STAR_COLUMNS` order (Redshift COPY maps by position). */
export function starParquetColumns(table: StarTable): ParquetColumn[] {
  return STAR_COLUMNS[table].map(toParquetColumn);
}
