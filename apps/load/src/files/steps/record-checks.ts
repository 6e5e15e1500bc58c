import { impreciseNumbers, type TableColumn } from "@etl/db/file-load";
import { delimitedOptions, type FileRule } from "@etl/db/rules";
import { charLength, fitLength, splitFields } from "./records";

/**
 * The checks a landed file's records pass while the preparation step reads them, before either
 * warehouse sees them: the header, fixed-width lengths, JSON Lines numbers. A failed check is a
 * `Rejection`: the file is ABORTED with its code and reason.
 */

/** A file refused before loading: ABORTED with `code`, `reason` and `details`. */
export class Rejection extends Error {
  constructor(
    readonly code: string,
    readonly reason: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(reason);
  }
}

/** Longest header text quoted in a reason. */
const MAX_QUOTED = 200;
const clip = (text: string) => (text.length <= MAX_QUOTED ? text : `${text.slice(0, MAX_QUOTED)}...`);
const sameName = (found: string | undefined, name: string) =>
  (found ?? "").trim().toLowerCase() === name.toLowerCase();
const TEXT_TYPE = /^(text|character|char|varchar|nchar|nvarchar|bpchar)\b/i;

/**
 * Checks the header lines instead of dropping them unseen (a file without its header would lose
 * its first record): against the rule's `headerPattern` (the lines joined by `\n`), else the last
 * header line against the columns' names, in order, case and surrounding spaces aside: split
 * with the rule's delimiter and quote, or cut at the fixed widths (each name cut to its width;
 * a filler matches anything). A rule with no names (split, JSON Lines) has a trailer instead,
 * whose count catches a missing header (the rule schema requires one or the other).
 */
export function checkHeader(rule: FileRule, headers: readonly Buffer[]): void {
  if (rule.headerPattern !== undefined) {
    const found = headers.map((h) => h.toString("utf8")).join("\n");
    if (new RegExp(rule.headerPattern).test(found)) return;
    throw new Rejection(
      "BAD_HEADER",
      `the header ${JSON.stringify(clip(found))} does not match the rule's headerPattern ${JSON.stringify(rule.headerPattern)}`,
      { expected: rule.headerPattern, found: clip(found) },
    );
  }
  const columns = rule.columns ?? [];
  if (!columns.some((c) => c.name !== undefined)) return;
  // A byte-order mark is not part of the first name.
  const last = (headers[headers.length - 1] ?? Buffer.alloc(0)).toString("utf8").replace(/^\uFEFF/, "");
  let expected: string;
  let matches: boolean;
  let how: string;
  if (rule.format === "csv" || rule.format === "delimited") {
    const dialect = delimitedOptions(rule);
    const fields = splitFields(last, dialect);
    expected = columns.map((c) => c.name ?? "*").join(dialect.delimiter);
    matches =
      fields.length === columns.length &&
      columns.every((c, i) => c.name === undefined || sameName(fields[i], c.name));
    how = "the columns by name, in order; * any";
  } else if (rule.format === "fixed_width") {
    const chars = Array.from(last);
    let at = 0;
    matches = true;
    expected = "";
    for (const column of columns) {
      const width = column.width ?? 0;
      const name = column.name?.slice(0, width);
      expected += name === undefined ? "?".repeat(width) : name.padEnd(width);
      if (name !== undefined && !sameName(chars.slice(at, at + width).join(""), name)) matches = false;
      at += width;
    }
    how = "the columns' names cut to their widths; ? any";
  } else return;
  if (!matches)
    throw new Rejection(
      "BAD_HEADER",
      `the header is ${JSON.stringify(clip(last))}, the rule expects ${JSON.stringify(expected)} (${how})`,
      { expected, found: clip(last) },
    );
}

/** A fixed-width rule's record length (the sum of the widths) and the lengths it accepts. */
export function fixedLayout(rule: FileRule): { length: number; min: number; max: number } | undefined {
  if (rule.format !== "fixed_width" || rule.split || !rule.columns) return undefined;
  const length = rule.columns.reduce((sum, c) => sum + (c.width ?? 0), 0);
  return {
    length,
    min: Math.max(0, length - (rule.lengthTolerance?.shorter ?? 0)),
    max: length + (rule.lengthTolerance?.longer ?? 0),
  };
}

/**
 * Every fixed-width record has the layout's length in characters (a short one would load NULLs,
 * a long one be cut unseen), or within the rule's tolerance, where it is padded or cut here so
 * PostgreSQL and Redshift's FIXEDWIDTH read the same fields.
 */
export function fitRecord(
  record: Buffer,
  line: number,
  layout: { length: number; min: number; max: number },
): Buffer {
  const length = charLength(record);
  if (length === layout.length) return record;
  if (length >= layout.min && length <= layout.max) return fitLength(record, layout.length);
  const tolerant = layout.min !== layout.length || layout.max !== layout.length;
  throw new Rejection(
    "BAD_RECORD_LENGTH",
    `line ${line} has ${length} characters, the layout needs ${layout.length}${tolerant ? ` (${layout.min} to ${layout.max} allowed)` : ""}`,
    { line, length, expected: layout.length, ...(tolerant ? { allowed: [layout.min, layout.max] } : {}) },
  );
}

/**
 * A JSON Lines number that a JavaScript number (and so the load) would silently round, such as
 * an integer above 2^53 - 1, is refused; unless its column is text, where it is rewritten as a
 * string of its exact digits, in the copy both warehouses load. Found in the raw text: a parse
 * would already have rounded it.
 */
export function checkNumbers(
  record: Buffer,
  numbers: { record: number; line: number },
  sources: { loaded: ReadonlySet<string>; text: ReadonlySet<string> },
): Buffer {
  let text = record.toString("utf8");
  let found: ReturnType<typeof impreciseNumbers>;
  try {
    found = impreciseNumbers(text).filter((n) => sources.loaded.has(n.key));
    if (found.length > 0) JSON.parse(text);
  } catch {
    // Not JSON: the load refuses the record, naming it.
    return record;
  }
  if (found.length === 0) return record;
  for (const n of found)
    if (!n.direct || !sources.text.has(n.key))
      throw new Rejection(
        "NUMBER_PRECISION",
        `record ${numbers.record} (line ${numbers.line}): ${n.key} ${n.direct ? "is" : "holds"} ${n.text}, which a JSON number cannot carry exactly (integers up to ${Number.MAX_SAFE_INTEGER}); send it as a string or load it into a text column`,
        { record: numbers.record, line: numbers.line, field: n.key, value: n.text },
      );
  for (const n of [...found].sort((a, b) => b.start - a.start))
    text = `${text.slice(0, n.start)}${JSON.stringify(n.text)}${text.slice(n.end)}`;
  return Buffer.from(text, "utf8");
}

/** The JSON keys a JSON Lines rule loads, and those whose target column is text. */
export function jsonSources(rule: FileRule, columns: readonly TableColumn[] | undefined) {
  const types = new Map((columns ?? []).map((c) => [c.name, c.dataType]));
  const loaded = new Set<string>();
  const text = new Set<string>();
  for (const column of rule.columns ?? []) {
    if (column.name === undefined) continue;
    const source = column.source ?? column.name;
    loaded.add(source);
    if (TEXT_TYPE.test(types.get(column.name) ?? "")) text.add(source);
  }
  return { loaded, text };
}
