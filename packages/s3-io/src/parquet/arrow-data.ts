import {
  Bool,
  type Data,
  DateDay,
  Decimal,
  Int32,
  Int64,
  makeData,
  TimestampMicrosecond,
  Utf8,
} from "apache-arrow";
import type { ParquetColumnBuilder } from "./column-builders";

/** Bits `length` and above of the last byte cleared, so a bitmap holds exactly `length` bits. */
function bitmap(bits: Uint8Array, length: number): Uint8Array {
  const bytes = (length + 7) >> 3;
  const tail = length & 7;
  if (tail !== 0) bits[bytes - 1] = (bits[bytes - 1] ?? 0) & ((1 << tail) - 1);
  return bits.subarray(0, bytes);
}

/** The Arrow data of the first `length` values of a column builder (what the writer hands parquet-wasm). */
export function columnData(builder: ParquetColumnBuilder, length: number): Data {
  const { column } = builder;
  let nullCount = 0;
  let nullBitmap: Uint8Array | null = null;
  if (column.nullable && length > 0) {
    const validity = bitmap(builder.validity, length);
    let valid = 0;
    for (const byte of validity) {
      let b = byte;
      while (b !== 0) {
        b &= b - 1;
        valid += 1;
      }
    }
    nullCount = length - valid;
    if (nullCount > 0) nullBitmap = validity;
  }
  const common = { length, nullCount, nullBitmap };
  switch (column.type) {
    case "int32":
      return makeData({ type: new Int32(), data: builder.ints.subarray(0, length), ...common });
    case "date":
      return makeData({ type: new DateDay(), data: builder.ints.subarray(0, length), ...common });
    case "int64":
      return makeData({ type: new Int64(), data: builder.bigs.subarray(0, length), ...common });
    case "timestamp_us":
      return makeData({
        type: new TimestampMicrosecond(column.utc ? "UTC" : null),
        data: builder.bigs.subarray(0, length),
        ...common,
      });
    case "decimal":
      return makeData({
        type: new Decimal(builder.scale, builder.precision, 128),
        data: builder.words.subarray(0, length * 4),
        ...common,
      });
    case "bool":
      return makeData({
        type: new Bool(),
        data: length === 0 ? builder.bits.subarray(0, 0) : bitmap(builder.bits, length),
        ...common,
      });
    case "utf8": {
      const offsets = builder.offsets.subarray(0, length + 1);
      const data = builder.bytes.subarray(0, offsets[length] ?? 0);
      return makeData({ type: new Utf8(), data, valueOffsets: offsets, ...common });
    }
  }
}
