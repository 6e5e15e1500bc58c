import { DataError } from "@etl/schemas";
import { type Data, Field, makeData, RecordBatch, Schema, Struct, Table, tableToIPC } from "apache-arrow";
import {
  Compression,
  Table as WasmTable,
  WriterPropertiesBuilder,
  WriterVersion,
  writeParquet as writeWasmParquet,
} from "parquet-wasm";
import type { ParquetColumn } from "./columns";
import { ParquetTableBuilder } from "./parquet-table-builder";

export interface WriteParquetOptions {
  /** Rows per row group (default 1,000,000, so a part of that size is one row group). */
  rowGroupRows?: number;
  /** `created_by` in the footer. */
  createdBy?: string;
}

/**
 * Writes rows as one Parquet file in memory, typed for Redshift `COPY ... FORMAT AS PARQUET`:
 * version-1 PLAIN data pages (no dictionary), Snappy, `DATE`, `DECIMAL(p,s)` exact, `INT32`/`INT64`
 * as declared, UTF8 strings, microsecond timestamps. Columns are built as Arrow vectors one at a time; the whole file
 * is returned, so write one part (say 250k rows) per call.
 *
 * A value that does not fit its column (a NULL in a NOT NULL column, a decimal with too many
 * digits, a malformed date) throws a `DataError` naming column and row; nothing is ever rounded.
 *
 * @example
 * const bytes = writeParquet(
 *   [{ name: "unit_price", type: "decimal", precision: 10, scale: 2, nullable: false }],
 *   [{ unit_price: "12.50" }],
 * );
 */
export function writeParquet(
  columns: readonly ParquetColumn[],
  rows: readonly object[],
  options: WriteParquetOptions = {},
): Uint8Array {
  if (columns.length === 0) throw new DataError("a Parquet file needs at least one column");
  return writeParquetColumns(ParquetTableBuilder.fromRows(columns, rows), options);
}

/**
 * Writes the rows of a `ParquetTableBuilder` as one Parquet file, exactly as `writeParquet`
 * writes the same rows given as objects (same bytes).
 */
export function writeParquetColumns(
  table: ParquetTableBuilder,
  options: WriteParquetOptions = {},
): Uint8Array {
  const children: Data[] = table.build();
  const fields = table.columns.map(
    (column, i) => new Field(column.name, (children[i] as Data).type, column.nullable),
  );
  const schema = new Schema(fields);
  const batch = new RecordBatch(
    schema,
    makeData({ type: new Struct(fields), length: table.length, nullCount: 0, children }),
  );
  const ipc = tableToIPC(new Table(schema, [batch]), "stream");
  const properties = new WriterPropertiesBuilder()
    .setCompression(Compression.SNAPPY)
    // PLAIN pages: the star's large columns are unique ids, times and amounts, where a dictionary
    // costs a page of every value plus the indices; without it the files are smaller and a reader
    // gets integer pages as typed arrays instead of index arrays mapped value by value.
    .setDictionaryEnabled(false)
    .setWriterVersion(WriterVersion.V1)
    .setMaxRowGroupSize(options.rowGroupRows ?? 1_000_000)
    .setCreatedBy(options.createdBy ?? "etl s3-io (parquet-wasm)")
    .build();
  const wasmTable = WasmTable.fromIPCStream(ipc);
  return writeWasmParquet(wasmTable, properties);
}
