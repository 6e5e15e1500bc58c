import type { ObjectStore } from "@etl/s3-io";
import type { ParquetTableBuilder } from "@etl/s3-io/parquet";
import {
  DataError,
  type ManifestFile,
  type RowSourcedStarTable,
  type RunId,
  SOURCE_TABLES,
  type SourceTable,
  type StarRow,
  type StarTable,
} from "@etl/schemas";
import { RawDataError } from "../errors";
import type { DateSet } from "./date-set";
import { fastPlan } from "./fast-plan";
import { FastRowScanner } from "./fast-row-scanner";
import { IdSet } from "./id-set";
import { parquetColumns } from "./parquet-columns";
import { idOfLine, isRowProblem, type QuarantineSink } from "./quarantine-sink";
import { parseSourceLine, type RawFilePlace, readRawLineChunks } from "./read-source-rows";
import type { ReferenceState } from "./reference-state";
import { createStarPartWriter, type StarFile } from "./star-part-writer";
import { STREAMED_TABLES, type StreamedSpec, type StreamedTable } from "./streamed-table-specs";

// The use case builds the run's DateSet beside the streamed tables it passes it to, and reads
// the specs with the function that streams them.
export { DateSet } from "./date-set";
export { isStreamedTable, STREAMED_TABLES, type StreamedTable } from "./streamed-table-specs";

export interface StreamedTableOptions {
  store: ObjectStore;
  ingestBucket: string;
  processedBucket: string;
  runId: RunId;
  /** The attempt's token, part of every key it writes. */
  attempt: string;
  partRows: number;
  /** The reference state after the run: every reference a row makes must be in it. */
  state: ReferenceState;
  /** Set false to skip the reference checks (the benchmark has no reference tables). */
  checkReferences?: boolean;
  /** Receives every date the written rows hold (for `dim_date`). */
  dates: DateSet;
  onPart?: (file: StarFile) => void;
  /**
   * Where rows that fail the source contract, and rows referring to a row held in this run, are
   * held; the rest of the table goes on. Without it the first such row fails the table.
   */
  quarantine?: QuarantineSink;
}

export interface StreamedTableResult {
  table: StarTable;
  /** Star rows written: the lines read less the lines held. */
  rows: number;
  /** Lines read from the raw files. */
  read: number;
  /** Lines held in quarantine. */
  quarantined: number;
  files: StarFile[];
}

/**
 * Transforms one large table of a run: each raw file is streamed, every line validated and
 * formatted into the columns of a Parquet part (the fast path of `FastRowScanner`, or the
 * reference way for a line it does not take: `JSON.parse`, the source schema, the formatter),
 * its id checked for repeats and its references against the reference state, and every full part
 * written. Memory is bounded by a part plus the set of ids seen (each id appears at most once in
 * a run, since ingest reads every table from one snapshot).
 */
export async function transformStreamedTable(
  table: StreamedTable,
  files: readonly ManifestFile[],
  options: StreamedTableOptions,
): Promise<StreamedTableResult> {
  const spec = STREAMED_TABLES[table] as StreamedSpec<SourceTable, RowSourcedStarTable>;
  const key = SOURCE_TABLES[table];
  const plan = fastPlan(table, spec.star);
  const writer = createStarPartWriter({
    store: options.store,
    bucket: options.processedBucket,
    runId: options.runId,
    attempt: options.attempt,
    table: spec.star,
    partRows: options.partRows,
    ...(options.onPart ? { onPart: options.onPart } : {}),
  });
  const columns = parquetColumns(spec.star);
  const scanner = new FastRowScanner(table, plan, columns);
  /** The star column that holds a source column as it is. */
  const starIndex = (source: string) => {
    const index = columns.findIndex((c) => {
      const star = plan.star[c.name];
      return star?.from === source && star.part === undefined;
    });
    if (index < 0) throw new Error(`${spec.star} holds no column ${source}`);
    return index;
  };
  const keyColumn = starIndex(key);
  const references = (options.checkReferences === false ? [] : spec.references).map((r) => ({
    ...r,
    index: starIndex(r.column),
    known: options.state[r.table],
  }));
  const dateColumns = columns.flatMap((c, i) => (c.type === "date" ? [i] : []));
  const seen = new IdSet();

  const sink = options.quarantine;
  let read = 0;
  const heldBefore = sink?.count(table) ?? 0;

  /**
   * The row staged at `part.length`, read from line `lineNumber`, checked before it is kept: every
   * reference must be in the state and not held in this run, and its id must not repeat. A
   * `RawDataError` when it cannot be kept; a repeated id is always fatal (one snapshot holds each
   * id once, so a repeat is a broken file, not a bad row).
   */
  const admit = (part: ParquetTableBuilder, lineNumber: number, where: RawFilePlace): void => {
    const row = part.length;
    const id = part.builders[keyColumn]?.ints[row] ?? 0;
    for (const reference of references) {
      const value = part.builders[reference.index]?.ints[row] ?? 0;
      if (sink?.heldIds(reference.table).has(value)) {
        throw new RawDataError(
          `${key} ${id} refers to ${reference.table} ${value}, which this run holds in quarantine`,
          { ...where, lineNumber, column: reference.column },
          { code: "HELD_REFERENCE" },
        );
      }
      if (!reference.known.has(value)) {
        throw new RawDataError(
          `${key} ${id} refers to ${reference.table} ${value}, which no transformed run has delivered`,
          { ...where, lineNumber, column: reference.column },
          { code: "MISSING_REFERENCE" },
        );
      }
    }
    if (!seen.add(id)) {
      throw new RawDataError(
        `${key} ${id} appears more than once in the run`,
        { ...where, lineNumber, column: key },
        { code: "DUPLICATE_ID", scope: "file" },
      );
    }
    part.commit();
  };

  /** Keeps the staged row, or holds its line when it is a bad row and there is a quarantine. */
  const keep = (part: ParquetTableBuilder, line: () => string, lineNumber: number, where: RawFilePlace) => {
    try {
      admit(part, lineNumber, where);
    } catch (error) {
      hold(error, line());
    }
  };

  /** Holds the line a row problem is about, or rethrows: without a quarantine every problem is fatal. */
  const hold = (error: unknown, text: string) => {
    if (sink === undefined || !isRowProblem(error)) throw error;
    const held =
      error.code === "HELD_REFERENCE" ? spec.references.find((r) => r.column === error.column) : undefined;
    const heldId = held === undefined ? undefined : idOfLine(text, held.column);
    sink.holdError(table, error, text, {
      id: idOfLine(text, key),
      ...(held !== undefined && heldId !== undefined ? { heldFor: { table: held.table, id: heldId } } : {}),
    });
  };

  /** The dates of rows `from` to `part.length` of the part, for `dim_date`. */
  const collectDates = (part: ParquetTableBuilder, from: number) => {
    const to = part.length;
    for (const index of dateColumns) {
      const builder = part.builders[index];
      if (builder === undefined) continue;
      const { ints, validity } = builder;
      const nullable = builder.column.nullable;
      for (let row = from; row < to; row++) {
        if (nullable && ((validity[row >> 3] ?? 0) & (1 << (row & 7))) === 0) continue;
        options.dates.addDays(ints[row] ?? 0);
      }
    }
  };

  /** A line the fast path did not take, read the reference way and staged as the next row of the part. */
  const slowLine = (part: ParquetTableBuilder, text: string, lineNumber: number, where: RawFilePlace) => {
    try {
      const row = parseSourceLine(table, text, where, lineNumber);
      let formatted: StarRow<StarTable>[];
      try {
        formatted = spec.format([row]);
        for (const star of formatted) part.stageRow(star);
      } catch (error) {
        if (!(error instanceof DataError) || error instanceof RawDataError) throw error;
        throw new RawDataError(error.message, { ...where, lineNumber }, { code: error.code, cause: error });
      }
    } catch (error) {
      hold(error, text);
      return;
    }
    keep(part, () => text, lineNumber, where);
  };

  try {
    for (const file of files) {
      const where = { bucket: options.ingestBucket, key: file.key, table };
      let lineNumber = 0;
      read += file.rows;
      for await (const chunk of readRawLineChunks(
        options.store,
        options.ingestBucket,
        table,
        file,
        () => lineNumber,
      )) {
        const length = chunk.length;
        let at = 0;
        while (at < length) {
          const part = writer.part;
          const from = part.length;
          const room = options.partRows;
          while (at < length && part.length < room) {
            lineNumber += 1;
            const end = scanner.scan(chunk, at, part);
            if (end >= 0) {
              const start = at;
              keep(part, () => chunk.toString("utf8", start, end), lineNumber, where);
              at = end + 1;
            } else {
              let stop = chunk.indexOf(10, at);
              if (stop < 0) stop = length;
              slowLine(part, chunk.toString("utf8", at, stop), lineNumber, where);
              at = stop + 1;
            }
          }
          collectDates(part, from);
          await writer.flushIfFull();
        }
      }
    }
  } catch (error) {
    await writer.settle();
    throw error;
  }
  const quarantined = (sink?.count(table) ?? 0) - heldBefore;
  return { table: spec.star, rows: writer.rows, read, quarantined, files: await writer.close() };
}
