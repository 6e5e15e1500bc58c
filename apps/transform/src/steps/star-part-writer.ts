import { type ObjectStore, starDataKey } from "@etl/s3-io";
import { ParquetTableBuilder, writeParquetColumns } from "@etl/s3-io/parquet";
import type { ProcessedFile, RunId, StarRow, StarTable } from "@etl/schemas";
import { parquetColumns } from "./parquet-columns";
import { putImmutable } from "./put-immutable";

/** A Parquet part of a star table, as the processed manifest lists it. */
export type StarFile = ProcessedFile;

export interface StarPartWriterOptions<T extends StarTable> {
  store: ObjectStore;
  bucket: string;
  runId: RunId;
  /** The attempt's token: its keys are its own, so attempts of one run never collide. */
  attempt: string;
  table: T;
  /** Rows per Parquet part: the writer holds at most this many rows. */
  partRows: number;
  /** Called after each part is stored, e.g. to remember what to clean up after a failure. */
  onPart?: (file: StarFile) => void;
}

export interface StarPartWriter<T extends StarTable> {
  /** Adds rows (each value checked for its Parquet column) and writes every full part. */
  add(rows: readonly StarRow<T>[]): Promise<void>;
  /**
   * The part being filled, with room for a whole part: a writer that fills columns itself
   * appends up to `partRows - part.length` rows, then calls `flushIfFull`.
   */
  readonly part: ParquetTableBuilder;
  /** Writes the part when it holds `partRows` rows. */
  flushIfFull(): Promise<void>;
  /** Writes the last, partial part and returns the parts in order (none for no rows). */
  close(): Promise<StarFile[]>;
  /**
   * Waits for the part still being stored, if any, ignoring its outcome: call it before giving
   * up on the table, so every part stored is reported to `onPart` (and can be cleaned up).
   */
  settle(): Promise<void>;
  readonly rows: number;
}

const createdBy = "etl transform (parquet-wasm)";

/**
 * Writes a star table as Parquet parts `star/<table>/YYYY/MM/DD/<runId>-<attempt>-NNNN.parquet`
 * of `partRows` rows each, so memory is bounded by one part whatever the size of the run. Part
 * boundaries depend only on the row order, so the same input gives the same files. Rows are held
 * as Parquet columns (typed arrays), not as objects.
 */
export function createStarPartWriter<T extends StarTable>(
  options: StarPartWriterOptions<T>,
): StarPartWriter<T> {
  const { store, bucket, runId, attempt, table, partRows } = options;
  const columns = parquetColumns(table);
  const files: StarFile[] = [];
  let part: ParquetTableBuilder | undefined;
  /** The arrays of the part written last, for the next part. */
  let spare: ParquetTableBuilder | undefined;
  let written = 0;
  let parts = 0;
  /** The previous part's upload: one in flight while the next part fills. */
  let storing: Promise<void> | undefined;

  const storePart = async (key: string, rows: number, body: Uint8Array) => {
    const stored = await putImmutable(store, bucket, key, body, {
      contentType: "application/vnd.apache.parquet",
    });
    const file: StarFile = {
      table,
      key,
      rows,
      bytes: stored.bytes,
      sha256: stored.sha256,
    };
    files.push(file);
    options.onPart?.(file);
  };

  /**
   * Encodes the part and starts storing it once the part before it is stored, without waiting:
   * the caller fills the next part (in the same arrays) meanwhile.
   */
  const writePart = async (full: ParquetTableBuilder) => {
    parts += 1;
    const key = starDataKey(table, runId, attempt, parts);
    const rows = full.length;
    const body = writeParquetColumns(full, { rowGroupRows: partRows, createdBy });
    written += rows;
    full.clear();
    spare = full;
    if (storing) await storing;
    storing = storePart(key, rows, body);
    // Seen by the next await of `storing`; never an unhandled rejection meanwhile.
    storing.catch(() => {});
  };

  const settle = async () => {
    await storing?.catch(() => {});
  };

  /** The part being filled, opened on the spare arrays when there are some. */
  const open = (): ParquetTableBuilder => {
    if (part === undefined) {
      part = spare ?? new ParquetTableBuilder(columns);
      spare = undefined;
    }
    return part;
  };

  const flushIfFull = async () => {
    if (part === undefined || part.length < partRows) return;
    const full = part;
    part = undefined;
    await writePart(full);
  };

  return {
    get rows() {
      return written + (part?.length ?? 0);
    },
    get part() {
      const current = open();
      current.reserve(partRows);
      return current;
    },
    flushIfFull,
    settle,
    async add(rows) {
      try {
        for (const row of rows) {
          const current = open();
          current.appendRow(row);
          if (current.length >= partRows) await flushIfFull();
        }
      } catch (error) {
        await settle();
        throw error;
      }
    },
    async close() {
      try {
        if (part !== undefined && part.length > 0) {
          const last = part;
          part = undefined;
          await writePart(last);
        }
        if (storing) await storing;
        return files;
      } catch (error) {
        await settle();
        throw error;
      }
    },
  };
}
