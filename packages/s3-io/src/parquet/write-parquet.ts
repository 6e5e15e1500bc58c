import { DataError } from "@etl/schemas";
import {
  Bool,
  type Data,
  DateDay,
  Decimal,
  Field,
  Int32,
  Int64,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  Table,
  TimestampMicrosecond,
  tableToIPC,
  Utf8,
} from "apache-arrow";
import {
  Compression,
  Table as WasmTable,
  WriterPropertiesBuilder,
  WriterVersion,
  writeParquet as writeWasmParquet,
} from "parquet-wasm";
import {
  dateToDays,
  decimalShape,
  decimalToUnscaled,
  type ParquetColumn,
  timestampToMicros,
} from "./columns";

export interface WriteParquetOptions {
  /** Rows per row group (default 1,000,000, so a part of that size is one row group). */
  rowGroupRows?: number;
  /** `created_by` in the footer. */
  createdBy?: string;
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

type Rows = readonly object[];

interface Built {
  data: Data;
  nullable: boolean;
}

function bad(column: ParquetColumn, row: number, problem: string): DataError {
  return new DataError(`column ${column.name} row ${row + 1}: ${problem}`, { code: "BAD_PARQUET_VALUE" });
}

function describe(value: unknown): string {
  const text = typeof value === "string" ? JSON.stringify(value) : String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Reads one column out of the rows and its validity bitmap; `nulls` counts the NULLs. */
function extract(column: ParquetColumn, rows: Rows) {
  const values = new Array<unknown>(rows.length);
  const validity = new Uint8Array((rows.length + 7) >> 3);
  let nulls = 0;
  for (let i = 0; i < rows.length; i++) {
    const value = (rows[i] as Record<string, unknown>)[column.name];
    if (value === null || value === undefined) {
      if (!column.nullable) throw bad(column, i, "NULL in a column that is not nullable");
      nulls += 1;
      values[i] = null;
    } else {
      values[i] = value;
      validity[i >> 3] = (validity[i >> 3] ?? 0) | (1 << (i & 7));
    }
  }
  return { values, validity, nulls };
}

function toInt64(column: ParquetColumn, row: number, value: unknown): bigint {
  if (typeof value === "bigint") {
    if (value >= -(2n ** 63n) && value < 2n ** 63n) return value;
  } else if (typeof value === "number") {
    if (Number.isSafeInteger(value)) return BigInt(value);
  } else if (typeof value === "string" && /^[+-]?\d{1,19}$/.test(value)) {
    const n = BigInt(value);
    if (n >= -(2n ** 63n) && n < 2n ** 63n) return n;
  }
  throw bad(column, row, `${describe(value)} is not a 64-bit integer`);
}

function buildColumn(column: ParquetColumn, rows: Rows): Built {
  const { values, validity, nulls } = extract(column, rows);
  const length = rows.length;
  const common = { length, nullCount: nulls, nullBitmap: nulls > 0 ? validity : null };
  switch (column.type) {
    case "int32": {
      const out = new Int32Array(length);
      for (let i = 0; i < length; i++) {
        const v = values[i];
        if (v === null) continue;
        if (typeof v !== "number" || !Number.isInteger(v) || v < INT32_MIN || v > INT32_MAX)
          throw bad(column, i, `${describe(v)} is not a 32-bit integer`);
        out[i] = v;
      }
      return { data: makeData({ type: new Int32(), data: out, ...common }), nullable: column.nullable };
    }
    case "int64": {
      const out = new BigInt64Array(length);
      for (let i = 0; i < length; i++) {
        const v = values[i];
        if (v !== null) out[i] = toInt64(column, i, v);
      }
      return { data: makeData({ type: new Int64(), data: out, ...common }), nullable: column.nullable };
    }
    case "date": {
      const out = new Int32Array(length);
      for (let i = 0; i < length; i++) {
        const v = values[i];
        if (v === null) continue;
        const days = typeof v === "string" ? dateToDays(v) : undefined;
        if (days === undefined) throw bad(column, i, `${describe(v)} is not a YYYY-MM-DD date`);
        out[i] = days;
      }
      return { data: makeData({ type: new DateDay(), data: out, ...common }), nullable: column.nullable };
    }
    case "timestamp_us": {
      const out = new BigInt64Array(length);
      for (let i = 0; i < length; i++) {
        const v = values[i];
        if (v === null) continue;
        const micros = typeof v === "string" ? timestampToMicros(v) : undefined;
        if (micros === undefined) throw bad(column, i, `${describe(v)} is not a timestamp`);
        out[i] = micros;
      }
      const type = new TimestampMicrosecond(column.utc ? "UTC" : null);
      return { data: makeData({ type, data: out, ...common }), nullable: column.nullable };
    }
    case "decimal": {
      const { precision, scale } = decimalShape(column);
      // Decimal128: four little-endian 32-bit words per value, two's complement.
      const words = new Uint32Array(length * 4);
      const view = new BigInt64Array(words.buffer);
      for (let i = 0; i < length; i++) {
        const v = values[i];
        if (v === null) continue;
        const unscaled = typeof v === "string" ? decimalToUnscaled(v, precision, scale) : undefined;
        if (unscaled === undefined)
          throw bad(
            column,
            i,
            `${describe(v)} is not an exact decimal string that fits DECIMAL(${precision},${scale})`,
          );
        view[i * 2] = BigInt.asIntN(64, unscaled);
        view[i * 2 + 1] = BigInt.asIntN(64, unscaled >> 64n);
      }
      const type = new Decimal(scale, precision, 128);
      return { data: makeData({ type, data: words, ...common }), nullable: column.nullable };
    }
    case "bool": {
      const out = new Uint8Array((length + 7) >> 3);
      for (let i = 0; i < length; i++) {
        const v = values[i];
        if (v === null) continue;
        if (typeof v !== "boolean") throw bad(column, i, `${describe(v)} is not a boolean`);
        if (v) out[i >> 3] = (out[i >> 3] ?? 0) | (1 << (i & 7));
      }
      return { data: makeData({ type: new Bool(), data: out, ...common }), nullable: column.nullable };
    }
    case "utf8": {
      let upper = 0;
      for (let i = 0; i < length; i++) {
        const v = values[i];
        if (v === null) continue;
        if (typeof v !== "string") throw bad(column, i, `${describe(v)} is not a string`);
        upper += v.length * 3;
      }
      const buffer = Buffer.allocUnsafe(upper);
      const offsets = new Int32Array(length + 1);
      let at = 0;
      for (let i = 0; i < length; i++) {
        const v = values[i];
        if (typeof v === "string" && v.length > 0) at += buffer.write(v, at, "utf8");
        offsets[i + 1] = at;
      }
      const data = new Uint8Array(buffer.buffer, buffer.byteOffset, at);
      return {
        data: makeData({ type: new Utf8(), data, valueOffsets: offsets, ...common }),
        nullable: column.nullable,
      };
    }
  }
}

/**
 * Writes rows as one Parquet file in memory, typed for Redshift `COPY ... FORMAT AS PARQUET`:
 * version-1 data pages, Snappy, `DATE`, `DECIMAL(p,s)` exact, `INT32`/`INT64` as declared, UTF8
 * strings, microsecond timestamps. Columns are built as Arrow vectors one at a time; the whole file
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
  rows: Rows,
  options: WriteParquetOptions = {},
): Uint8Array {
  if (columns.length === 0) throw new DataError("a Parquet file needs at least one column");
  const names = new Set<string>();
  const fields: Field[] = [];
  const children: Data[] = [];
  for (const column of columns) {
    if (names.has(column.name)) throw new DataError(`column ${column.name} is listed twice`);
    names.add(column.name);
    const built = buildColumn(column, rows);
    fields.push(new Field(column.name, built.data.type, built.nullable));
    children.push(built.data);
  }
  const schema = new Schema(fields);
  const batch = new RecordBatch(
    schema,
    makeData({ type: new Struct(fields), length: rows.length, nullCount: 0, children }),
  );
  const ipc = tableToIPC(new Table(schema, [batch]), "stream");
  const properties = new WriterPropertiesBuilder()
    .setCompression(Compression.SNAPPY)
    .setWriterVersion(WriterVersion.V1)
    .setMaxRowGroupSize(options.rowGroupRows ?? 1_000_000)
    .setCreatedBy(options.createdBy ?? "etl s3-io (parquet-wasm)")
    .build();
  const wasmTable = WasmTable.fromIPCStream(ipc);
  return writeWasmParquet(wasmTable, properties);
}
