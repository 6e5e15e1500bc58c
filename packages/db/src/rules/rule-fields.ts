import { z } from "zod";

/**
 * The pieces a file rule is built from. Every value that can reach SQL is constrained here to what
 * the SQL builders accept: identifiers are plain names (`quoteIdent` refuses anything else), single
 * characters are one ASCII character outside letters, digits and line breaks, time zones are IANA
 * names made of letters, digits and `_ + - /`.
 */

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** A plain SQL name: letters, digits and `_`, not starting with a digit, at most 63 characters. */
export const SqlNameSchema = z
  .string()
  .regex(IDENTIFIER, "must be a plain name: letters, digits and _, not starting with a digit");

/** A rule's name: it appears in object keys (`archive/<rule>/...`) and audit items. */
export const RuleNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,57}$/, "must be lower-case letters, digits, _ and -, at most 58 characters");

/** One ASCII character that may separate, quote or escape fields: no letter, digit, CR or LF. */
export const RuleCharSchema = z
  .string()
  .length(1, "must be exactly one character")
  .refine((c) => {
    const code = c.charCodeAt(0);
    return code >= 1 && code <= 127 && c !== "\n" && c !== "\r" && !/[A-Za-z0-9]/.test(c);
  }, "must be one ASCII character other than a letter, a digit, CR or LF");

function isTimeZone(name: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+/-]{0,63}$/.test(name)) return false;
  try {
    new Intl.DateTimeFormat("en", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

export function isRegExp(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}

/** An IANA time zone name such as `Europe/London` or `UTC`. */
export const TimeZoneSchema = z
  .string()
  .refine(isTimeZone, "must be an IANA time zone such as Europe/London");

/** A key prefix the file moves to; it must not be under `landing/`, which would load it again. */
export const MovePrefixSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_/-]{0,99}\/$/, "must be lower-case letters, digits, _ - / and end with /")
  .refine((p) => !p.startsWith("landing/"), "must not be under landing/ (that would load the file again)");

/** `schema.procedure`, both plain names. */
export const ProcedureNameSchema = z
  .string()
  .regex(
    /^[A-Za-z_][A-Za-z0-9_]{0,62}\.[A-Za-z_][A-Za-z0-9_]{0,62}$/,
    "must be schema.procedure, both plain names",
  );

/** A field of the file: a target column, a source name (JSON key, Parquet column) and a width. */
export const RuleColumnSchema = z.strictObject({
  /** The target column; leave it out for a field that is read and dropped (a filler). */
  name: SqlNameSchema.optional(),
  /** JSON Lines key or Parquet column holding the value; the column's name by default. */
  source: z
    .string()
    .regex(/^[A-Za-z0-9_][A-Za-z0-9_ .$-]{0,127}$/, "must be letters, digits, space and _ . $ -")
    .optional(),
  /** Fixed width only: characters of the field. */
  width: z.number().int().min(1).max(65_535).optional(),
});

export const FILE_FORMATS = ["csv", "delimited", "fixed_width", "jsonl", "parquet"] as const;
export const WRITE_MODES = ["append", "merge", "replace"] as const;
export const NOTIFY_ON = ["success", "failure", "both", "none"] as const;

export const LINE_FORMATS = new Set(["csv", "delimited", "fixed_width", "jsonl"]);
export const TEXT_DELIMITED = new Set(["csv", "delimited"]);

/** The prefixes the rule moves files to, under the landing bucket. */
export const DEFAULT_PREFIXES = { processing: "processing/", archive: "archive/", error: "error/" } as const;
