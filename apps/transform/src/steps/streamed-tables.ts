import type { ObjectStore } from "@etl/s3-io";
import {
  DataError,
  dateColumns,
  type ManifestFile,
  type RunId,
  SOURCE_TABLES,
  type SourceRow,
  type SourceTable,
  type StarRow,
  type StarTable,
  toDimTransaction,
  toFactPayment,
  toFactPurchaseOrder,
  toFactSalesOrder,
} from "@etl/schemas";
import { RawDataError } from "../errors";
import { readSourceBatches } from "./read-source-rows";
import type { ReferenceState, StateTable } from "./reference-state";
import { createStarPartWriter, type StarFile } from "./star-part-writer";

/**
 * The distinct `YYYY-MM-DD` dates of a run, as a bitmap of days: a fact table holds several dates
 * per row, so this is on the per-row path, and setting a byte costs far less than hashing a new
 * string. Values are formatter output, already checked calendar dates (years 0000 to 9999).
 */
export class DateSet {
  /** One byte per (year, month, day of 31): 3.7 MB, allocated on the first date. */
  #days: Uint8Array | undefined;
  #size = 0;

  add(date: string): void {
    const year =
      (date.charCodeAt(0) - 48) * 1000 +
      (date.charCodeAt(1) - 48) * 100 +
      (date.charCodeAt(2) - 48) * 10 +
      (date.charCodeAt(3) - 48);
    const month = (date.charCodeAt(5) - 48) * 10 + (date.charCodeAt(6) - 48);
    const day = (date.charCodeAt(8) - 48) * 10 + (date.charCodeAt(9) - 48);
    const index = (year * 12 + month - 1) * 31 + day - 1;
    this.#days ??= new Uint8Array(10_000 * 12 * 31);
    if (this.#days[index] === 0) {
      this.#days[index] = 1;
      this.#size += 1;
    }
  }

  get size(): number {
    return this.#size;
  }

  /** The dates as `YYYY-MM-DD`, in order. */
  values(): string[] {
    const dates: string[] = [];
    const days = this.#days;
    if (days === undefined) return dates;
    const pad = (n: number, width: number) => String(n).padStart(width, "0");
    for (let index = days.indexOf(1); index >= 0; index = days.indexOf(1, index + 1)) {
      const day = (index % 31) + 1;
      const months = Math.floor(index / 31);
      dates.push(`${pad(Math.floor(months / 12), 4)}-${pad((months % 12) + 1, 2)}-${pad(day, 2)}`);
    }
    return dates;
  }
}

/** A column of a source row that must name a row of a reference table. */
interface Reference {
  column: string;
  table: StateTable;
}

interface StreamedSpec<S extends SourceTable, D extends StarTable> {
  star: D;
  format: (rows: readonly SourceRow<S>[]) => StarRow<D>[];
  references: readonly Reference[];
}

/**
 * The tables too large to hold in memory (facts grow without bound, and `transaction` with
 * them): read, formatted and written batch by batch, a Parquet part at a time.
 */
export const STREAMED_TABLES = {
  sales_order: {
    star: "fact_sales_order",
    format: toFactSalesOrder,
    references: [
      { column: "design_id", table: "design" },
      { column: "staff_id", table: "staff" },
      { column: "counterparty_id", table: "counterparty" },
      { column: "currency_id", table: "currency" },
      { column: "agreed_delivery_location_id", table: "address" },
    ],
  },
  purchase_order: {
    star: "fact_purchase_order",
    format: toFactPurchaseOrder,
    references: [
      { column: "staff_id", table: "staff" },
      { column: "counterparty_id", table: "counterparty" },
      { column: "currency_id", table: "currency" },
      { column: "agreed_delivery_location_id", table: "address" },
    ],
  },
  payment: {
    star: "fact_payment",
    format: toFactPayment,
    references: [
      { column: "counterparty_id", table: "counterparty" },
      { column: "currency_id", table: "currency" },
      { column: "payment_type_id", table: "payment_type" },
    ],
  },
  transaction: { star: "dim_transaction", format: toDimTransaction, references: [] },
} as const satisfies {
  sales_order: StreamedSpec<"sales_order", "fact_sales_order">;
  purchase_order: StreamedSpec<"purchase_order", "fact_purchase_order">;
  payment: StreamedSpec<"payment", "fact_payment">;
  transaction: StreamedSpec<"transaction", "dim_transaction">;
};

export type StreamedTable = keyof typeof STREAMED_TABLES;

export function isStreamedTable(table: string): table is StreamedTable {
  return Object.hasOwn(STREAMED_TABLES, table);
}

export interface StreamedTableOptions {
  store: ObjectStore;
  ingestBucket: string;
  processedBucket: string;
  runId: RunId;
  partRows: number;
  /** The reference state after the run: every reference a row makes must be in it. */
  state: ReferenceState;
  /** Set false to skip the reference checks (the benchmark has no reference tables). */
  checkReferences?: boolean;
  /** Receives every date the written rows hold (for `dim_date`). */
  dates: DateSet;
  onPart?: (file: StarFile) => void;
}

export interface StreamedTableResult {
  table: StarTable;
  rows: number;
  files: StarFile[];
}

/**
 * Transforms one large table of a run: each raw file is read in batches, every row validated,
 * its references checked against the reference state, formatted and handed to a Parquet part
 * writer. Memory is bounded by a part plus the set of ids seen (each id appears at most once in
 * a run, since ingest reads every table from one snapshot).
 */
export async function transformStreamedTable(
  table: StreamedTable,
  files: readonly ManifestFile[],
  options: StreamedTableOptions,
): Promise<StreamedTableResult> {
  const spec = STREAMED_TABLES[table] as StreamedSpec<SourceTable, StarTable>;
  const key = SOURCE_TABLES[table];
  const checks = options.checkReferences === false ? [] : spec.references;
  const writer = createStarPartWriter({
    store: options.store,
    bucket: options.processedBucket,
    runId: options.runId,
    table: spec.star,
    partRows: options.partRows,
    ...(options.onPart ? { onPart: options.onPart } : {}),
  });
  const seen = new Set<number>();
  const dates = dateColumns(spec.star);

  for (const file of files) {
    const where = { bucket: options.ingestBucket, key: file.key, table };
    for await (const batch of readSourceBatches(options.store, options.ingestBucket, table, file)) {
      for (let i = 0; i < batch.rows.length; i++) {
        const row = batch.rows[i] as Record<string, unknown>;
        const id = row[key] as number;
        if (seen.has(id)) {
          throw new RawDataError(`${key} ${id} appears more than once in the run`, {
            ...where,
            lineNumber: batch.firstLine + i,
            column: key,
          });
        }
        seen.add(id);
        for (const reference of checks) {
          const value = row[reference.column] as number;
          if (!options.state[reference.table].has(value)) {
            throw new RawDataError(
              `${key} ${id} refers to ${reference.table} ${value}, which no transformed run has delivered`,
              { ...where, lineNumber: batch.firstLine + i, column: reference.column },
              { code: "MISSING_REFERENCE" },
            );
          }
        }
      }
      let rows: StarRow<StarTable>[];
      try {
        rows = spec.format(batch.rows);
      } catch (error) {
        if (!(error instanceof DataError)) throw error;
        throw new RawDataError(error.message, where, { code: error.code, cause: error });
      }
      for (const row of rows as readonly Record<string, unknown>[]) {
        for (const column of dates) {
          const value = row[column];
          if (typeof value === "string") options.dates.add(value);
        }
      }
      await writer.add(rows);
    }
  }
  return { table: spec.star, rows: writer.rows, files: await writer.close() };
}
