import { DataError } from "@etl/schemas";

export type FileWriteMode = "append" | "merge" | "replace";

/** One field of the file in order: the target column it fills, or nothing (a filler). */
export interface FileField {
  column?: string;
  /** The target column's type as the catalogue names it (`information_schema.columns.data_type`). */
  dataType?: string;
}

/** The ledger row that marks one object version as loaded, written in the load's transaction. */
export interface FileLedgerEntry {
  /** Control schema of `loaded_files` (the warehouse ledger). */
  controlSchema: string;
  /** Identifies the object version: `landed:<bucket>/<rule>/<hash of key and version>`. */
  key: string;
  /** `files:<rule>`. */
  runId: string;
  /** `schema.table`. */
  table: string;
  sha256: string;
  rows: number;
  loadedAt: Date;
}

/** What one landed file's load does, whatever the warehouse. Built from a validated rule. */
export interface FileLoadSpec {
  schema: string;
  table: string;
  fields: readonly FileField[];
  mode: FileWriteMode;
  /** Merge only: the key columns. */
  keys: readonly string[];
  /** IANA zone for timestamps without one in the file. */
  timeZone: string;
  /** `schema.procedure`, already checked against the allow-list, called in the transaction. */
  followUp?: string;
  ledger: FileLedgerEntry;
}

/** The staging column of field `i`: the target column, or `_skip_<i>` for a filler. */
export function stagingColumn(field: FileField, i: number): string {
  return field.column ?? `_skip_${i + 1}`;
}

/** The target columns the file fills, in file order. */
export function loadedColumns(spec: FileLoadSpec): string[] {
  return spec.fields.flatMap((f) => (f.column === undefined ? [] : [f.column]));
}

export const isTimestampWithoutZone = (type: string | undefined) =>
  type !== undefined && /^timestamp( without time zone)?$/i.test(type.trim());
export const isTimestampWithZone = (type: string | undefined) =>
  type !== undefined && /^(timestamp with time zone|timestamptz)$/i.test(type.trim());

/** `schema.procedure` split into its two plain names. */
export function procedureParts(name: string): [string, string] {
  const [schema, procedure, ...rest] = name.split(".");
  if (!schema || !procedure || rest.length > 0)
    throw new DataError(`follow-up ${JSON.stringify(name)} is not schema.procedure`, {
      code: "BAD_FOLLOW_UP",
    });
  return [schema, procedure];
}

/** Checks the spec's own consistency (the rule schema already did; this guards direct callers). */
export function checkSpec(spec: FileLoadSpec): void {
  const columns = loadedColumns(spec);
  if (columns.length === 0) throw new DataError("the file fills no column", { code: "BAD_FILE_LOAD" });
  if (spec.mode === "merge") {
    if (spec.keys.length === 0) throw new DataError("merge needs key columns", { code: "BAD_FILE_LOAD" });
    for (const key of spec.keys)
      if (!columns.includes(key))
        throw new DataError(`merge key ${key} is not loaded from the file`, { code: "BAD_FILE_LOAD" });
    if (columns.every((c) => spec.keys.includes(c)))
      throw new DataError("merge needs a column that is not a key", { code: "BAD_FILE_LOAD" });
  }
}
