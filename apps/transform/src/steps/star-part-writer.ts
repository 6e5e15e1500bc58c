import { type ObjectStore, starDataKey } from "@etl/s3-io";
import { writeParquet } from "@etl/s3-io/parquet";
import type { ProcessedFile, RunId, StarRow, StarTable } from "@etl/schemas";
import { parquetColumns } from "./parquet-columns";
import { putImmutable } from "./put-immutable";

/** A Parquet part of a star table, as the processed manifest lists it. */
export interface StarFile extends ProcessedFile {
  /** False when an earlier attempt had already written the same bytes. */
  created: boolean;
}

export interface StarPartWriterOptions<T extends StarTable> {
  store: ObjectStore;
  bucket: string;
  runId: RunId;
  table: T;
  /** Rows per Parquet part: the writer holds at most this many rows. */
  partRows: number;
  /** Called after each part is stored, e.g. to remember what to clean up after a failure. */
  onPart?: (file: StarFile) => void;
}

export interface StarPartWriter<T extends StarTable> {
  /** Buffers rows and writes every full part; one await per batch, not per row. */
  add(rows: readonly StarRow<T>[]): Promise<void>;
  /** Writes the last, partial part and returns the parts in order (none for no rows). */
  close(): Promise<StarFile[]>;
  readonly rows: number;
}

const createdBy = "etl transform (parquet-wasm)";

/**
 * Writes a star table as Parquet parts `star/<table>/YYYY/MM/DD/<runId>-NNNN.parquet` of
 * `partRows` rows each, so memory is bounded by one part whatever the size of the run. Part
 * boundaries depend only on the row order, so the same input gives the same files.
 */
export function createStarPartWriter<T extends StarTable>(
  options: StarPartWriterOptions<T>,
): StarPartWriter<T> {
  const { store, bucket, runId, table, partRows } = options;
  const columns = parquetColumns(table);
  const files: StarFile[] = [];
  let buffer: StarRow<T>[] = [];
  let total = 0;

  const writePart = async (rows: StarRow<T>[]) => {
    const key = starDataKey(table, runId, files.length + 1);
    const body = writeParquet(columns, rows, { rowGroupRows: partRows, createdBy });
    const written = await putImmutable(store, bucket, key, body, {
      contentType: "application/vnd.apache.parquet",
    });
    const file: StarFile = {
      table,
      key,
      rows: rows.length,
      bytes: written.bytes,
      sha256: written.sha256,
      created: written.created,
    };
    files.push(file);
    options.onPart?.(file);
  };

  return {
    get rows() {
      return total;
    },
    async add(rows) {
      for (const row of rows) {
        buffer.push(row);
        total += 1;
        if (buffer.length >= partRows) {
          const full = buffer;
          buffer = [];
          await writePart(full);
        }
      }
    },
    async close() {
      if (buffer.length > 0) {
        const last = buffer;
        buffer = [];
        await writePart(last);
      }
      return files;
    },
  };
}
