import { DataError } from "@etl/schemas";
import { impreciseNumbers } from "./json-numbers";

/**
 * Records of the formats PostgreSQL's COPY cannot read (fixed width, JSON Lines, Parquet rows)
 * as CSV lines in the default dialect (`,` `"` `"`): NULL is an empty unquoted field, every
 * other value is quoted, so an empty string stays an empty string.
 */

const quoted = (text: string) => `"${text.replace(/"/g, '""')}"`;

/** One value as a CSV field: null and undefined are NULL; objects and arrays become JSON text. */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return quoted(value);
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean")
    return quoted(String(value));
  if (value instanceof Date) return quoted(value.toISOString());
  return quoted(JSON.stringify(value));
}

/**
 * A fixed-width record cut at the widths (characters, not bytes) into trimmed fields; a blank
 * field is NULL. Characters beyond the last width are ignored; a short record leaves NULLs
 * (landed files reach here with the layout's length: the preparation step checks it).
 */
export function fixedWidthFields(record: string, widths: readonly number[]): (string | null)[] {
  const chars = Array.from(record);
  const fields: (string | null)[] = [];
  let at = 0;
  for (const width of widths) {
    const text = chars
      .slice(at, at + width)
      .join("")
      .trim();
    fields.push(text === "" ? null : text);
    at += width;
  }
  return fields;
}

export function fixedWidthToCsv(record: string, widths: readonly number[]): string {
  return `${fixedWidthFields(record, widths).map(csvField).join(",")}\n`;
}

/**
 * One JSON Lines record as CSV, the values of `sources` in order (a missing key is NULL).
 * `line` is the record's number, for the error of a record that is not a JSON object.
 */
export function jsonLineToCsv(text: string, sources: readonly (string | undefined)[], line: number): string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new DataError(`record ${line} is not JSON: ${JSON.stringify(text.slice(0, 80))}`, {
      code: "BAD_JSON_LINE",
    });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new DataError(`record ${line} is not a JSON object`, { code: "BAD_JSON_LINE" });
  const record = value as Record<string, unknown>;
  // Prepared files carry such numbers as strings already; a direct caller gets the refusal.
  const picked = new Set(sources);
  const imprecise = impreciseNumbers(text).find((n) => picked.has(n.key));
  if (imprecise)
    throw new DataError(
      `record ${line}: ${imprecise.key} is ${imprecise.text}, which a JSON number cannot carry exactly (integers up to ${Number.MAX_SAFE_INTEGER}); send it as a string`,
      { code: "NUMBER_PRECISION" },
    );
  return `${sources.map((s) => (s === undefined ? "" : csvField(record[s]))).join(",")}\n`;
}

/** One row of a Parquet file (as `readParquet` returns it) as CSV, the values of `sources` in order. */
export function rowToCsv(row: Record<string, unknown>, sources: readonly (string | undefined)[]): string {
  return `${sources.map((s) => (s === undefined ? "" : csvField(row[s]))).join(",")}\n`;
}
