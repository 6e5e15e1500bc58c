import { DataError } from "@etl/schemas";
import type { Data } from "apache-arrow";
import { columnData } from "./arrow-data";
import { badParquetValue, ParquetColumnBuilder } from "./column-builders";
import type { ParquetColumn } from "./columns";

/**
 * The columns of one Parquet file being built row by row (what `writeParquetColumns` writes):
 * `appendRow` takes row objects as `writeParquet` does; a fast writer fills row `length` of
 * every column through the builders and then calls `commit`.
 *
 * @example
 * const part = new ParquetTableBuilder(columns, 100_000);
 * part.appendRow({ sales_order_id: 1, unit_price: "12.50" });
 * const bytes = writeParquetColumns(part);
 */
export class ParquetTableBuilder {
  readonly columns: readonly ParquetColumn[];
  readonly builders: readonly ParquetColumnBuilder[];
  #length = 0;
  #capacity = 0;

  constructor(columns: readonly ParquetColumn[], capacity = 0) {
    if (columns.length === 0) throw new DataError("a Parquet file needs at least one column");
    const names = new Set<string>();
    for (const column of columns) {
      if (names.has(column.name)) throw new DataError(`column ${column.name} is listed twice`);
      names.add(column.name);
    }
    this.columns = columns;
    this.builders = columns.map((c) => new ParquetColumnBuilder(c));
    this.reserve(capacity);
  }

  /** Rows kept. */
  get length(): number {
    return this.#length;
  }

  /** Rows that fit without growing the arrays. */
  get capacity(): number {
    return this.#capacity;
  }

  /** Room for `rows` rows in every column. */
  reserve(rows: number): void {
    if (rows <= this.#capacity) return;
    for (const builder of this.builders) builder.reserve(rows);
    this.#capacity = rows;
  }

  /** Appends a row object, every value checked (a `DataError` names column and row). */
  appendRow(row: object): void {
    this.stageRow(row);
    this.#length += 1;
  }

  /**
   * Writes a row object into row `length`, every value checked, without keeping it: `commit`
   * keeps it, anything else written there replaces it (a reader checks a row before keeping it).
   */
  stageRow(row: object): void {
    const at = this.#length;
    if (at >= this.#capacity) this.reserve(Math.max(1024, this.#capacity * 2));
    const values = row as Record<string, unknown>;
    for (const builder of this.builders) builder.set(at, values[builder.column.name]);
  }

  /** Drops every row and keeps the arrays, for the next file of the same columns. */
  clear(): void {
    this.#length = 0;
  }

  /** Keeps row `length`, written straight into the builders' arrays. */
  commit(): void {
    if (this.#length >= this.#capacity) throw new Error("ParquetTableBuilder: commit past the reserved rows");
    this.#length += 1;
  }

  /** The Arrow data of every column, `length` rows. */
  build(): Data[] {
    return this.builders.map((b) => columnData(b, this.#length));
  }

  /** Fills the table from row objects column by column, as `writeParquet` checks them. */
  static fromRows(columns: readonly ParquetColumn[], rows: readonly object[]): ParquetTableBuilder {
    const table = new ParquetTableBuilder(columns, rows.length);
    for (const builder of table.builders) {
      const { column } = builder;
      // NULLs first, then types, so the first problem reported is the one writeParquet always named.
      if (!column.nullable) {
        for (let i = 0; i < rows.length; i++) {
          const value = (rows[i] as Record<string, unknown>)[column.name];
          if (value === null || value === undefined)
            throw badParquetValue(column, i, "NULL in a column that is not nullable");
        }
      }
      for (let i = 0; i < rows.length; i++) builder.set(i, (rows[i] as Record<string, unknown>)[column.name]);
    }
    table.#length = rows.length;
    return table;
  }
}
