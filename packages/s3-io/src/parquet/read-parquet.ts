import { DataError, messageOf } from "@etl/schemas";
import { type FileMetaData, parquetMetadata, parquetReadObjects, type SchemaElement } from "hyparquet";
import {
  daysToDate,
  microsToTimestamp,
  type ParquetColumn,
  type ParquetColumnType,
  type ParquetRow,
  type ParquetValue,
  unscaledFromBigEndian,
  unscaledToDecimal,
} from "./columns";

/** One column as a file's footer declares it. */
export interface ParquetColumnSchema {
  name: string;
  /** `INT32`, `INT64`, `BYTE_ARRAY`, `FIXED_LEN_BYTE_ARRAY`, `BOOLEAN`, ... */
  physicalType: string;
  /** `DATE`, `DECIMAL`, `STRING`, `TIMESTAMP`, `INTEGER`, ... or undefined when unannotated. */
  logicalType: string | undefined;
  precision?: number;
  scale?: number;
  /** `TIMESTAMP` only. */
  unit?: "MILLIS" | "MICROS" | "NANOS";
  isAdjustedToUTC?: boolean;
  /** `INTEGER` only (8, 16, 32, 64). */
  bitWidth?: number;
  nullable: boolean;
  /** The writer's column type this column matches, or undefined when none does. */
  type: ParquetColumnType | undefined;
}

export interface ParquetSchemaInfo {
  rows: number;
  columns: ParquetColumnSchema[];
}

const TEXT = new TextDecoder("utf-8", { fatal: true });

function metadataOf(bytes: Uint8Array): FileMetaData {
  try {
    return parquetMetadata(bytes);
  } catch (error) {
    throw new DataError(`not a readable Parquet file: ${messageOf(error)}`, {
      code: "BAD_PARQUET",
      cause: error,
    });
  }
}

function leafColumns(metadata: FileMetaData): SchemaElement[] {
  const [root, ...rest] = metadata.schema;
  if (rest.some((e) => (e.num_children ?? 0) > 0) || (root?.num_children ?? 0) !== rest.length) {
    throw new DataError("nested Parquet columns are not supported", { code: "BAD_PARQUET" });
  }
  return rest;
}

function describeColumn(element: SchemaElement): ParquetColumnSchema {
  const logical = element.logical_type;
  const info: ParquetColumnSchema = {
    name: element.name,
    physicalType: element.type ?? "GROUP",
    logicalType: logical?.type ?? element.converted_type,
    nullable: element.repetition_type !== "REQUIRED",
    type: undefined,
  };
  if (logical?.type === "DECIMAL" || element.converted_type === "DECIMAL") {
    info.logicalType = "DECIMAL";
    info.precision = logical?.type === "DECIMAL" ? logical.precision : (element.precision ?? 0);
    info.scale = logical?.type === "DECIMAL" ? logical.scale : (element.scale ?? 0);
    info.type = "decimal";
  } else if (logical?.type === "TIMESTAMP") {
    info.unit = logical.unit;
    info.isAdjustedToUTC = logical.isAdjustedToUTC;
    if (logical.unit === "MICROS") info.type = "timestamp_us";
  } else if (element.converted_type === "TIMESTAMP_MICROS") {
    info.logicalType = "TIMESTAMP";
    info.unit = "MICROS";
    info.isAdjustedToUTC = true;
    info.type = "timestamp_us";
  } else if (element.converted_type === "TIMESTAMP_MILLIS") {
    info.logicalType = "TIMESTAMP";
    info.unit = "MILLIS";
    info.isAdjustedToUTC = true;
  } else if (logical?.type === "INTEGER") {
    info.bitWidth = logical.bitWidth;
    if (logical.isSigned) info.type = logical.bitWidth === 64 ? "int64" : "int32";
  } else if (info.logicalType === "DATE") {
    info.type = "date";
  } else if (info.logicalType === "STRING" || info.logicalType === "UTF8") {
    info.logicalType = "STRING";
    info.type = "utf8";
  } else if (info.logicalType === undefined) {
    const plain: Record<string, ParquetColumnType> = { INT32: "int32", INT64: "int64", BOOLEAN: "bool" };
    info.type = plain[info.physicalType];
  }
  return info;
}

/**
 * The column names and physical/logical types of a Parquet file's footer, for checking a file
 * against its target table before a COPY.
 */
export function readParquetSchema(bytes: Uint8Array): ParquetSchemaInfo {
  const metadata = metadataOf(bytes);
  return { rows: Number(metadata.num_rows), columns: leafColumns(metadata).map(describeColumn) };
}

/**
 * What differs between a file's columns and the expected ones, as readable problems (none when
 * the file fits). Redshift maps Parquet columns by position, so order, names, types, decimal
 * precision and scale, timestamp unit and nullability all count.
 */
export function checkParquetSchema(actual: ParquetSchemaInfo, expected: readonly ParquetColumn[]): string[] {
  const problems: string[] = [];
  if (actual.columns.length !== expected.length)
    problems.push(`file has ${actual.columns.length} columns, expected ${expected.length}`);
  expected.forEach((want, i) => {
    const got = actual.columns[i];
    if (!got) return;
    const at = `column ${i + 1}`;
    if (got.name !== want.name) problems.push(`${at} is ${got.name}, expected ${want.name}`);
    if (got.type !== want.type) {
      const declared = `${got.physicalType}${got.logicalType ? ` ${got.logicalType}` : ""}`;
      problems.push(`${at} ${got.name} is ${declared}, expected ${want.type}`);
    } else if (want.type === "decimal") {
      const p = want.precision;
      const s = want.scale ?? 0;
      if (got.precision !== p || got.scale !== s)
        problems.push(
          `${at} ${got.name} is DECIMAL(${got.precision},${got.scale}), expected DECIMAL(${p},${s})`,
        );
    } else if (want.type === "timestamp_us" && got.isAdjustedToUTC !== (want.utc ?? false)) {
      problems.push(
        `${at} ${got.name} has isAdjustedToUTC=${got.isAdjustedToUTC}, expected ${want.utc ?? false}`,
      );
    }
    if (got.nullable && !want.nullable) problems.push(`${at} ${got.name} is nullable, expected NOT NULL`);
  });
  return problems;
}

type Converter = (raw: unknown) => ParquetValue;

function integerOf(raw: unknown): bigint {
  if (typeof raw === "bigint") return raw;
  if (typeof raw === "number") return BigInt(raw);
  if (raw instanceof Uint8Array) return unscaledFromBigEndian(raw);
  throw new DataError(`unexpected raw value ${String(raw)}`, { code: "BAD_PARQUET" });
}

function converterFor(info: ParquetColumnSchema): Converter {
  if (info.logicalType === "DECIMAL") {
    const scale = info.scale ?? 0;
    return (raw) => unscaledToDecimal(integerOf(raw), scale);
  }
  if (info.logicalType === "DATE") return (raw) => daysToDate(Number(raw));
  if (info.logicalType === "TIMESTAMP") {
    const factor = info.unit === "MILLIS" ? 1000n : 1n;
    const divisor = info.unit === "NANOS" ? 1000n : 1n;
    const utc = info.isAdjustedToUTC ?? false;
    return (raw) => microsToTimestamp((integerOf(raw) * factor) / divisor, utc);
  }
  return (raw) => {
    if (typeof raw === "bigint") return Number.isSafeInteger(Number(raw)) ? Number(raw) : raw;
    if (raw instanceof Uint8Array) return TEXT.decode(raw);
    if (raw instanceof Date) return raw.toISOString();
    if (typeof raw === "string" || typeof raw === "number" || typeof raw === "boolean") return raw;
    return null;
  };
}

/** The schema with DECIMAL, DATE and TIMESTAMP annotations removed, so hyparquet returns raw integers. */
function rawMetadata(metadata: FileMetaData): FileMetaData {
  const schema = metadata.schema.map((element, i) => {
    if (i === 0) return element;
    const t = element.logical_type?.type ?? element.converted_type;
    const raw =
      t === "DECIMAL" ||
      t === "DATE" ||
      t === "TIMESTAMP" ||
      t === "TIMESTAMP_MICROS" ||
      t === "TIMESTAMP_MILLIS";
    if (!raw) return element;
    const { converted_type: _c, logical_type: _l, ...rest } = element;
    return rest;
  });
  return { ...metadata, schema };
}

/**
 * Reads a whole Parquet file into rows, in the writer's value types: `DATE` as `YYYY-MM-DD`,
 * `DECIMAL` as an exact string at the column's scale (decoded from the stored integer, never
 * through a float), timestamps as `YYYY-MM-DDTHH:MM:SS.ffffff`, integers as numbers (a bigint
 * beyond 2^53), strings as strings, NULL as null.
 */
export async function readParquet(bytes: Uint8Array): Promise<ParquetRow[]> {
  const metadata = metadataOf(bytes);
  const columns = leafColumns(metadata).map(describeColumn);
  const file =
    bytes.byteOffset === 0 &&
    bytes.byteLength === bytes.buffer.byteLength &&
    bytes.buffer instanceof ArrayBuffer
      ? bytes.buffer
      : new Uint8Array(bytes).buffer;
  let raw: Record<string, unknown>[];
  try {
    raw = await parquetReadObjects({ file, metadata: rawMetadata(metadata), utf8: false });
  } catch (error) {
    throw new DataError(`not a readable Parquet file: ${messageOf(error)}`, {
      code: "BAD_PARQUET",
      cause: error,
    });
  }
  const converters = columns.map((c) => [c.name, converterFor(c)] as const);
  const rows = new Array<ParquetRow>(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const source = raw[i] ?? {};
    const row: ParquetRow = {};
    for (const [name, convert] of converters) {
      const value = source[name];
      row[name] = value === null || value === undefined ? null : convert(value);
    }
    rows[i] = row;
  }
  return rows;
}
