import { DataError, messageOf } from "@etl/schemas";
import {
  type AsyncBuffer,
  type FileMetaData,
  parquetMetadata,
  parquetRead,
  type SchemaElement,
} from "hyparquet";

/** One decoded row group: a vector per requested column, in the requested order. */
export interface RowGroupVectors {
  rows: number;
  vectors: ArrayLike<unknown>[];
}

function metadataOf(bytes: Uint8Array, file: string): FileMetaData {
  try {
    return parquetMetadata(bytes);
  } catch (error) {
    throw new DataError(`${file}: not a readable Parquet file: ${messageOf(error)}`, {
      code: "BAD_PARQUET",
      cause: error,
    });
  }
}

/**
 * The footer with DECIMAL and DATE annotations removed, so hyparquet hands back the stored
 * integers: decimals are then formatted exactly (it would otherwise return floats) and dates
 * become text through a per-day cache instead of a `Date` per value.
 */
function rawMetadata(metadata: FileMetaData): FileMetaData {
  const schema = metadata.schema.map((element: SchemaElement, i) => {
    if (i === 0) return element;
    const annotation = element.logical_type?.type ?? element.converted_type;
    if (annotation !== "DECIMAL" && annotation !== "DATE") return element;
    const { converted_type: _converted, logical_type: _logical, ...plain } = element;
    return plain;
  });
  return { ...metadata, schema };
}

/** The names of a flat Parquet file's columns, in order. */
export function parquetColumnNames(bytes: Uint8Array, file: string): string[] {
  return metadataOf(bytes, file)
    .schema.slice(1)
    .map((element) => element.name);
}

function asyncBuffer(bytes: Uint8Array): AsyncBuffer {
  const { buffer, byteOffset, byteLength } = bytes;
  return {
    byteLength,
    slice: (start: number, end?: number) =>
      (buffer as ArrayBuffer).slice(byteOffset + start, byteOffset + (end ?? byteLength)),
  };
}

type Chunk = { data: ArrayLike<unknown>; start: number };
const TYPED = [Int32Array, BigInt64Array, Float64Array, Float32Array, Uint8Array] as const;

/** The typed-array class every chunk is an instance of, if they share one. */
function sharedTypedClass(chunks: readonly Chunk[]) {
  const first = chunks[0]?.data;
  const kind = TYPED.find((k) => first instanceof k);
  return kind && chunks.every((c) => c.data instanceof kind) ? kind : undefined;
}

/**
 * The rows a group's chunks (one per data page) hold for one column, as one indexable vector:
 * typed pages (PLAIN integers and floats) are joined into one typed array by block copies, other
 * pages value by value.
 */
function joinChunks(chunks: readonly Chunk[], groupStart: number, rows: number) {
  const only = chunks[0];
  if (chunks.length === 1 && only && only.start === groupStart && only.data.length === rows) return only.data;
  const Typed = sharedTypedClass(chunks);
  const typed = Typed ? (new Typed(rows) as Int32Array) : undefined;
  const values = typed ? undefined : new Array<unknown>(rows);
  for (const { data, start } of chunks) {
    const from = Math.max(start, groupStart);
    const to = Math.min(start + data.length, groupStart + rows);
    if (to <= from) continue;
    if (typed) typed.set((data as Int32Array).subarray(from - start, to - start), from - groupStart);
    else if (values) for (let r = from; r < to; r++) values[r - groupStart] = data[r - start];
  }
  return typed ?? (values as unknown[]);
}

/**
 * Decodes a Parquet file one row group at a time, only the named columns, each as a vector of
 * raw values (see `rawMetadata`). A missing column is a `DataError` naming the file and column.
 * Yielding per row group lets the caller stream one group into COPY before decoding the next.
 */
export async function* readRowGroups(
  bytes: Uint8Array,
  columns: readonly string[],
  file: string,
): AsyncGenerator<RowGroupVectors> {
  const metadata = rawMetadata(metadataOf(bytes, file));
  const present = new Set(metadata.schema.slice(1).map((e) => e.name));
  for (const name of columns) {
    if (!present.has(name)) {
      throw new DataError(`${file}: column ${name} is missing from the Parquet file`, {
        code: "BAD_PARQUET",
      });
    }
  }
  const source = asyncBuffer(bytes);
  let groupStart = 0;
  for (const group of metadata.row_groups) {
    const rows = Number(group.num_rows);
    const chunks = new Map<string, Chunk[]>();
    try {
      await parquetRead({
        file: source,
        metadata,
        columns: [...columns],
        rowStart: groupStart,
        rowEnd: groupStart + rows,
        onChunk: (chunk) => {
          const list = chunks.get(chunk.columnName) ?? [];
          list.push({ data: chunk.columnData, start: chunk.rowStart });
          chunks.set(chunk.columnName, list);
        },
      });
    } catch (error) {
      throw new DataError(`${file}: cannot decode row group at row ${groupStart}: ${messageOf(error)}`, {
        code: "BAD_PARQUET",
        cause: error,
      });
    }
    yield {
      rows,
      vectors: columns.map((name) => joinChunks(chunks.get(name) ?? [], groupStart, rows)),
    };
    groupStart += rows;
  }
}
