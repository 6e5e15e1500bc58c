import { z } from "zod";
import { globToRegExp } from "./key-glob";
import {
  DEFAULT_PREFIXES,
  FILE_FORMATS,
  isRegExp,
  LINE_FORMATS,
  MovePrefixSchema,
  NOTIFY_ON,
  ProcedureNameSchema,
  RuleCharSchema,
  RuleColumnSchema,
  RuleNameSchema,
  SqlNameSchema,
  TEXT_DELIMITED,
  TimeZoneSchema,
  WRITE_MODES,
} from "./rule-fields";

/**
 * A rule for files that land in S3: which objects it takes (key glob, priority, active flag),
 * how to read them, what to check before loading, where they go and what to tell whom.
 *
 * Every value that can reach SQL is one of the constrained fields of `rule-fields.ts`; rule text
 * never becomes SQL by itself. The checks across fields are `problems` below.
 */

const FileRuleObject = z.strictObject({
  name: RuleNameSchema,
  /** `*` any characters but `/`, `**` any characters, `?` one character but `/`. */
  keyGlob: z.string().min(1).max(1024),
  /** Lower numbers are tried first; ties go to the name that sorts first. */
  priority: z.number().int().min(0).max(1_000_000).default(100),
  active: z.boolean().default(true),
  description: z.string().max(1000).optional(),

  format: z.enum(FILE_FORMATS),
  compression: z.enum(["none", "gzip"]).default("none"),
  delimiter: RuleCharSchema.optional(),
  quote: RuleCharSchema.optional(),
  escape: RuleCharSchema.optional(),
  /**
   * Lines at the top of the file that are not records. They are checked: against `headerPattern`
   * when given, else the last header line against the columns' names (csv, delimited, fixed
   * width); a rule with no names to check against (split, JSON Lines) needs the pattern or a trailer.
   */
  headerLines: z.number().int().min(0).max(1000).default(0),
  /** A regular expression the header lines (joined by `\n`) must match, instead of the names. */
  headerPattern: z
    .string()
    .min(1)
    .max(500)
    .refine(isRegExp, "must be a regular expression (JavaScript syntax)")
    .optional(),
  /**
   * Fixed width only: how many characters a record may be shorter or longer than the layout
   * (the sum of the widths). Within it, a short record is padded (its missing fields are NULL)
   * and a long one cut; beyond it the file is ABORTED. Default: exactly the layout's length.
   */
  lengthTolerance: z
    .strictObject({
      shorter: z.number().int().min(0).max(65_535).default(0),
      longer: z.number().int().min(0).max(65_535).default(0),
    })
    .optional(),
  /** The last line is a trailer holding the record count at characters `start` to `end` (from 1). */
  trailer: z
    .strictObject({ start: z.number().int().min(1).max(1000), end: z.number().int().min(1).max(1000) })
    .refine((t) => t.end >= t.start, "end must not be before start")
    .optional(),
  /**
   * Split the records by their type (characters `start` to `end` of each record) into one file
   * per type under `to` (`<to><type>/<file name>`), which must itself be under `landing/`, so the
   * parts are loaded by the rules that match them.
   */
  split: z
    .strictObject({
      start: z.number().int().min(1).max(1000),
      end: z.number().int().min(1).max(1000),
      to: z.string().regex(/^landing\/[A-Za-z0-9_/-]{0,200}\/$/, "must be under landing/ and end with /"),
      /** The record types expected; a record of another type aborts the file. */
      types: z
        .array(z.string().regex(/^[A-Za-z0-9_-]{1,32}$/))
        .min(1)
        .optional(),
    })
    .refine((s) => s.end >= s.start, "end must not be before start")
    .optional(),
  /** Smaller files are rejected (ABORTED) before anything is read. */
  minBytes: z.number().int().min(0).default(1),

  target: z.strictObject({ schema: SqlNameSchema, table: SqlNameSchema }).optional(),
  /** The file's fields in order. */
  columns: z.array(RuleColumnSchema).min(1).max(1600).optional(),
  writeMode: z.enum(WRITE_MODES).default("append"),
  /** Merge only: the columns that identify a row. */
  mergeKeys: z.array(SqlNameSchema).min(1).optional(),
  /** A procedure called with no arguments in the load's transaction; it must be allow-listed. */
  followUp: ProcedureNameSchema.optional(),

  prefixes: z
    .strictObject({
      processing: MovePrefixSchema.default(DEFAULT_PREFIXES.processing),
      archive: MovePrefixSchema.default(DEFAULT_PREFIXES.archive),
      error: MovePrefixSchema.default(DEFAULT_PREFIXES.error),
    })
    .default(DEFAULT_PREFIXES),
  /** Timestamps without a zone in the file are read in this zone. */
  timeZone: TimeZoneSchema.default("UTC"),
  /** Appended to the error of a failed or aborted file, in the audit item and the alert. */
  errorMessage: z.string().max(500).optional(),
  /** When to alert: on success, on failure (FAILED or ABORTED), both, or never. */
  notify: z.enum(NOTIFY_ON).default("failure"),
});

type RawRule = z.infer<typeof FileRuleObject>;

function problems(rule: RawRule): { path: (string | number)[]; message: string }[] {
  const found: { path: (string | number)[]; message: string }[] = [];
  const add = (path: (string | number)[], message: string) => found.push({ path, message });
  const line = LINE_FORMATS.has(rule.format);
  const columns = rule.columns ?? [];

  if (!TEXT_DELIMITED.has(rule.format)) {
    for (const option of ["delimiter", "quote", "escape"] as const)
      if (rule[option] !== undefined) add([option], `${option} applies to csv and delimited files only`);
  }
  if (rule.format === "delimited" && rule.delimiter === undefined)
    add(["delimiter"], "a delimited file needs its delimiter");
  const delimiter = rule.delimiter ?? (rule.format === "csv" ? "," : undefined);
  const quote = rule.quote ?? '"';
  if (TEXT_DELIMITED.has(rule.format) && delimiter === quote)
    add(["quote"], "the quote must differ from the delimiter");
  if (TEXT_DELIMITED.has(rule.format) && rule.escape !== undefined && rule.escape === delimiter)
    add(["escape"], "the escape must differ from the delimiter");

  if (!line) {
    if (rule.compression !== "none")
      add(["compression"], "Parquet compresses its pages itself: compression must be none");
    if (rule.headerLines > 0) add(["headerLines"], "a Parquet file has no header lines");
    if (rule.trailer) add(["trailer"], "a Parquet file has no trailer");
    if (rule.split) add(["split"], "a Parquet file cannot be split by record type");
  }

  if (rule.headerPattern !== undefined && rule.headerLines === 0)
    add(["headerPattern"], "needs headerLines: the pattern checks the header lines");
  const names = columns.flatMap((c) => (c.name === undefined ? [] : [c.name]));
  const headerByNames =
    names.length > 0 && (TEXT_DELIMITED.has(rule.format) || rule.format === "fixed_width");
  if (line && rule.headerLines > 0 && rule.headerPattern === undefined && !headerByNames && !rule.trailer)
    add(
      ["headerLines"],
      "nothing to check the header against (no column names for this format): add a headerPattern, or a trailer whose count catches a missing header",
    );
  if (rule.lengthTolerance !== undefined && (rule.format !== "fixed_width" || columns.length === 0))
    add(["lengthTolerance"], "lengthTolerance applies to fixed-width rules with columns only");

  if (rule.split) {
    for (const option of ["target", "columns", "mergeKeys", "followUp"] as const)
      if (rule[option] !== undefined) add([option], `a split rule loads nothing itself: remove ${option}`);
    if (rule.split.to.length > 0 && matchesOwnOutput(rule))
      add(["split", "to"], "the split parts would match this rule again");
    return found;
  }

  if (!rule.target) add(["target"], "a rule that does not split needs a target schema and table");
  if (columns.length === 0) add(["columns"], "list the file's fields in order");
  if (columns.length > 0 && names.length === 0) add(["columns"], "at least one field must name a column");
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) add(["columns"], `column ${name} is listed twice`);
    seen.add(name);
  }
  columns.forEach((column, i) => {
    if (rule.format === "fixed_width" && column.width === undefined)
      add(["columns", i, "width"], "a fixed-width field needs its width");
    if (rule.format !== "fixed_width" && column.width !== undefined)
      add(["columns", i, "width"], "width applies to fixed-width files only");
    if (column.source !== undefined && rule.format !== "jsonl" && rule.format !== "parquet")
      add(["columns", i, "source"], "source applies to JSON Lines and Parquet only");
    if (column.name === undefined && rule.format === "jsonl")
      add(["columns", i, "name"], "JSON Lines fields are picked by key: every field needs a column");
    if (column.name === undefined && column.source === undefined && rule.format === "parquet")
      add(["columns", i], "a skipped Parquet column needs its source name");
  });

  if (rule.writeMode === "merge") {
    const keys = rule.mergeKeys ?? [];
    if (keys.length === 0) add(["mergeKeys"], "merge needs the key columns");
    for (const key of keys)
      if (!seen.has(key)) add(["mergeKeys"], `merge key ${key} is not one of the file's columns`);
    if (names.length > 0 && names.every((n) => keys.includes(n)))
      add(["mergeKeys"], "merge needs at least one column that is not a key");
  } else if (rule.mergeKeys !== undefined) {
    add(["mergeKeys"], "mergeKeys applies to the merge write mode only");
  }
  return found;
}

/** A split rule whose parts would be taken by itself loops forever. */
function matchesOwnOutput(rule: RawRule): boolean {
  const probe = `${rule.split?.to ?? ""}x/part.csv`;
  return globToRegExp(rule.keyGlob).test(probe);
}

/**
 * The rule as stored in the rules table and as written in a rules file (YAML or JSON). Defaults
 * are filled in; cross-field problems (a merge without keys, a delimiter on a Parquet rule, ...)
 * are validation errors with their path.
 */
export const FileRuleSchema = FileRuleObject.superRefine((rule, ctx) => {
  for (const p of problems(rule)) ctx.addIssue({ code: "custom", path: p.path, message: p.message });
});

export type FileRule = z.infer<typeof FileRuleSchema>;
/** A rule as written by a person: defaults may be left out. */
export type FileRuleInput = z.input<typeof FileRuleSchema>;
export type FileFormat = (typeof FILE_FORMATS)[number];
export type WriteMode = (typeof WRITE_MODES)[number];
export type RuleColumn = z.infer<typeof RuleColumnSchema>;

/** Field delimiter, quote and escape of a csv or delimited rule, defaults applied. */
export function delimitedOptions(rule: FileRule): { delimiter: string; quote: string; escape: string } {
  const quote = rule.quote ?? '"';
  return { delimiter: rule.delimiter ?? ",", quote, escape: rule.escape ?? quote };
}

/** True for formats read line by line (everything but Parquet). */
export function isLineFormat(format: FileFormat): boolean {
  return LINE_FORMATS.has(format);
}

/** Readable validation problems: `columns.2.width: a fixed-width field needs its width`. */
export function ruleProblems(error: z.ZodError): string[] {
  return error.issues.map((i) => (i.path.length > 0 ? `${i.path.join(".")}: ${i.message}` : i.message));
}
