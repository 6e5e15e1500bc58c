import { createHash } from "node:crypto";
import { starParquetColumns, writeParquet } from "@etl/s3-io/parquet";
import { STAR_COLUMNS, type StarTable } from "@etl/schemas";
import { makeStarRows, type StarRows } from "@etl/schemas/testing";

import type { ParquetFileSource, TableFiles } from "../../src/warehouse/load-run";

export type { StarRows };

/** The Parquet columns the transform writes for a star table. */
export const parquetColumns = starParquetColumns;

export function starParquet(table: StarTable, rows: readonly object[], rowGroupRows?: number): Uint8Array {
  return writeParquet(parquetColumns(table), rows, rowGroupRows ? { rowGroupRows } : {});
}

/** The star rows a transform makes of a small totesys (shared with the other load tests). */
export const starRowsOf = makeStarRows;

/** Star rows as a run's tables in load order, each one file, read from memory. */
export function runTables(
  runId: string,
  rows: StarRows,
  read: (table: StarTable, bytes: Uint8Array) => Promise<Uint8Array> = async (_t, b) => b,
): TableFiles[] {
  const tables = Object.keys(STAR_COLUMNS) as StarTable[];
  return tables.flatMap((table) => {
    const tableRows = rows[table];
    if (!tableRows) return [];
    const bytes = starParquet(table, tableRows);
    const file: ParquetFileSource = {
      key: `star/${table}/${runId}-0001.parquet`,
      sha256: createHash("sha256").update(bytes).digest("hex"),
      rows: tableRows.length,
      read: () => read(table, bytes),
    };
    return [{ table, files: [file] }];
  });
}
