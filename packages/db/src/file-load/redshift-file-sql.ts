import { DataError } from "@etl/schemas";
import { iamRoleLiteral, sqlLiteral, timestampLiteral } from "../redshift/literals";
import { qualified, quoteIdent } from "../sql";
import {
  checkSpec,
  type FileLoadSpec,
  isTimestampWithoutZone,
  isTimestampWithZone,
  loadedColumns,
  procedureParts,
  stagingColumn,
} from "./file-load-spec";

/**
 * The SQL of a landed file's load into Redshift, as ONE `BatchExecuteStatement` (one
 * transaction). `BatchExecuteStatement` takes no parameters, so the few values (the S3 URI of
 * the processing copy, whose key the load generates; the COPY role; the time zone; the ledger
 * row) are literals that must pass `sqlLiteral`'s allow-list, and the COPY options come from a
 * fixed set chosen by the format: nothing of the rule is pasted into the SQL.
 */

/**
 * How Redshift reads the processing copy. No FIXEDWIDTH: it counts bytes (rules count characters)
 * and TRIMBLANKS trims only trailing blanks, so a fixed-width file's processing copy is CSV.
 */
export type RedshiftFileFormat =
  | { kind: "csv"; delimiter: string; quote: string; escape: string }
  /**
   * `jsonPathsUri`: the JSONPaths file mapping keys to fields in order. Never under the data's
   * URI: COPY's FROM is a key prefix, and it would read the file as data.
   */
  | { kind: "json"; jsonPathsUri: string }
  | { kind: "parquet" };

export interface RedshiftCopySource {
  /** `s3://bucket/key` of the processing copy. */
  uri: string;
  iamRoleArn: string;
  format: RedshiftFileFormat;
  gzip: boolean;
}

/** The session's staging table of a file load (temporary, dropped at the end of the batch). */
export const REDSHIFT_FILE_STAGING = "etl_file_stage";
const REDSHIFT_FILE_SOURCE = "etl_file_source";

/**
 * Characters written as themselves inside a quoted COPY option: printable, and neither the
 * literal's quote nor the backslash (an escape in Redshift literals). A `;` inside a literal is
 * only a character.
 */
const PLAIN = new Set(Array.from(',|:;~^#!*%$&@+-./=?_"`()[]{}<> '));

function checkChar(char: string, what: string): number {
  const code = char.length === 1 ? char.charCodeAt(0) : -1;
  if (code < 1 || code > 127 || char === "\n" || char === "\r" || /[A-Za-z0-9]/.test(char)) {
    throw new DataError(
      `refused COPY ${what}: it must be one ASCII character other than a letter, digit, CR or LF`,
      {
        code: "BAD_COPY_OPTION",
      },
    );
  }
  return code;
}

/** The delimiter as `'x'`, or as Redshift's octal escape `'\ooo'` when not plain. */
export function redshiftDelimiterLiteral(char: string): string {
  const code = checkChar(char, "delimiter");
  return PLAIN.has(char) ? `'${char}'` : `'\\${code.toString(8).padStart(3, "0")}'`;
}

/** The CSV quote as `'x'`; a character that is not plain is refused (Redshift reads no escape here). */
export function redshiftQuoteLiteral(char: string): string {
  checkChar(char, "quote");
  if (!PLAIN.has(char))
    throw new DataError(`Redshift COPY cannot take ${JSON.stringify(char)} as the CSV quote`, {
      code: "UNSUPPORTED_ON_REDSHIFT",
    });
  return `'${char}'`;
}

function formatOptions(format: RedshiftFileFormat): string {
  switch (format.kind) {
    case "csv":
      // Redshift's CSV escapes a quote by doubling it and has no separate escape character.
      if (format.escape !== format.quote)
        throw new DataError("Redshift COPY CSV cannot take an escape other than the quote", {
          code: "UNSUPPORTED_ON_REDSHIFT",
        });
      return (
        `format as csv quote as ${redshiftQuoteLiteral(format.quote)} ` +
        `delimiter as ${redshiftDelimiterLiteral(format.delimiter)} emptyasnull timeformat 'auto' dateformat 'auto'`
      );
    case "json":
      return `format as json ${sqlLiteral(format.jsonPathsUri, "JSONPaths URI")} timeformat 'auto' dateformat 'auto'`;
    case "parquet":
      return "format as parquet";
  }
}

/**
 * `copy etl_file_stage (fields) from 's3://...' iam_role '...' <format options> [gzip]`: the
 * options come only from the format; no MAXERROR (a bad record fails the load), no REGION.
 */
export function redshiftFileCopySql(spec: FileLoadSpec, source: RedshiftCopySource): string {
  if (source.format.kind === "parquet" && source.gzip)
    throw new DataError("a Parquet COPY takes no GZIP", { code: "BAD_COPY_OPTION" });
  if (source.format.kind === "json" && source.format.jsonPathsUri.startsWith(source.uri))
    throw new DataError(
      `the JSONPaths file ${source.format.jsonPathsUri} lies under the COPY's FROM prefix ${source.uri}: COPY would load it as data`,
      { code: "BAD_COPY_OPTION" },
    );
  const fields = spec.fields.map((f, i) => quoteIdent(stagingColumn(f, i))).join(", ");
  return (
    `copy ${quoteIdent(REDSHIFT_FILE_STAGING)} (${fields}) from ${sqlLiteral(source.uri, "S3 URI")} ` +
    `iam_role ${iamRoleLiteral(source.iamRoleArn)} ${formatOptions(source.format)}${source.gzip ? " gzip" : ""}`
  );
}

/** The JSONPaths document of a JSON Lines COPY: one bracketed path per field, in order. */
export function jsonPathsDocument(sources: readonly string[]): string {
  for (const source of sources)
    if (!/^[A-Za-z0-9_][A-Za-z0-9_ .$-]{0,127}$/.test(source))
      throw new DataError(`refused JSON key ${JSON.stringify(source.slice(0, 80))}`, {
        code: "BAD_COPY_OPTION",
      });
  return JSON.stringify({ jsonpaths: sources.map((s) => `$['${s}']`) });
}

/**
 * Staging from the target's columns (no rows, no constraints), fillers as text. Timestamps are
 * staged with the target's types: Redshift's COPY reads zone-less values as UTC, and
 * `timeZoneSql` then moves them from the rule's zone.
 */
function createStagingSql(spec: FileLoadSpec): string {
  const select = spec.fields
    .map((f, i) =>
      f.column === undefined
        ? `cast(null as varchar(65535)) as ${quoteIdent(stagingColumn(f, i))}`
        : quoteIdent(f.column),
    )
    .join(", ");
  return (
    `create temp table ${quoteIdent(REDSHIFT_FILE_STAGING)} as select ${select} ` +
    `from ${qualified(spec.schema, spec.table)} where 1 = 0`
  );
}

/** Zone-less timestamps read in the rule's zone: none when the zone is UTC. */
function timeZoneSql(spec: FileLoadSpec): string[] {
  if (spec.timeZone === "UTC") return [];
  const zone = sqlLiteral(spec.timeZone, "time zone");
  const sets = spec.fields.flatMap((f) => {
    if (f.column === undefined) return [];
    const c = quoteIdent(f.column);
    if (isTimestampWithoutZone(f.dataType)) return [`${c} = convert_timezone(${zone}, 'UTC', ${c})`];
    if (isTimestampWithZone(f.dataType))
      return [`${c} = convert_timezone(${zone}, 'UTC', cast(${c} as timestamp))`];
    return [];
  });
  return sets.length === 0 ? [] : [`update ${quoteIdent(REDSHIFT_FILE_STAGING)} set ${sets.join(", ")}`];
}

function writeSql(spec: FileLoadSpec): string[] {
  const target = qualified(spec.schema, spec.table);
  const staging = quoteIdent(REDSHIFT_FILE_STAGING);
  const columns = loadedColumns(spec);
  const list = columns.map(quoteIdent).join(", ");
  const insert = `insert into ${target} (${list}) select ${list} from ${staging}`;
  if (spec.mode === "append") return [insert];
  if (spec.mode === "replace") return [`delete from ${target}`, insert];
  // MERGE needs a table source with one row per key. COPY keeps no record order, so of two
  // records with one key the greatest (by every column) is kept: deterministic, not "the last".
  const keys = spec.keys.map(quoteIdent).join(", ");
  const source = quoteIdent(REDSHIFT_FILE_SOURCE);
  const on = spec.keys.map((k) => `${target}.${quoteIdent(k)} = ${source}.${quoteIdent(k)}`).join(" and ");
  const set = columns
    .filter((c) => !spec.keys.includes(c))
    .map((c) => `${quoteIdent(c)} = ${source}.${quoteIdent(c)}`)
    .join(", ");
  return [
    `create temp table ${source} as select ${list} from (select ${list}, row_number() over ` +
      `(partition by ${keys} order by ${columns.map((c) => `${quoteIdent(c)} desc`).join(", ")}) as "_n" ` +
      `from ${staging}) as "_s" where "_n" = 1`,
    `merge into ${target} using ${source} on ${on} when matched then update set ${set} ` +
      `when not matched then insert (${list}) values (${columns.map((c) => `${source}.${quoteIdent(c)}`).join(", ")})`,
    `drop table ${source}`,
  ];
}

/** The ledger row of the object version, replacing an earlier one of the same key. */
function ledgerSql(spec: FileLoadSpec): string[] {
  const { ledger } = spec;
  const table = qualified(ledger.controlSchema, "loaded_files");
  const key = sqlLiteral(ledger.key, "ledger key");
  return [
    `delete from ${table} where "key" = ${key}`,
    `insert into ${table} ("key", "run_id", "table_name", "sha256", "rows", "loaded_at") values (${key}, ` +
      `${sqlLiteral(ledger.runId, "run id")}, ${sqlLiteral(ledger.table, "table")}, ${sqlLiteral(ledger.sha256, "sha256")}, ` +
      `${Math.trunc(ledger.rows)}, ${timestampLiteral(ledger.loadedAt)})`,
  ];
}

/**
 * The batch of one file load: staging, COPY, time zone, the write (append, merge or replace),
 * the follow-up procedure, the ledger row, staging dropped. At most 40 statements (it is 11).
 */
export function redshiftFileBatchSql(spec: FileLoadSpec, source: RedshiftCopySource): string[] {
  checkSpec(spec);
  const sqls = [
    createStagingSql(spec),
    redshiftFileCopySql(spec, source),
    ...timeZoneSql(spec),
    ...writeSql(spec),
    ...(spec.followUp ? [`call ${qualified(...procedureParts(spec.followUp))}()`] : []),
    ...ledgerSql(spec),
    `drop table ${quoteIdent(REDSHIFT_FILE_STAGING)}`,
  ];
  return sqls;
}

/** Parameter `key`: the ledger row of an object version (ExecuteStatement, value as parameter). */
export function redshiftLoadedFileSql(controlSchema: string): string {
  return `select 1 from ${qualified(controlSchema, "loaded_files")} where "key" = :key`;
}

/** Parameters `schema`, `table`: the target's columns and types, in order. */
export const REDSHIFT_TABLE_COLUMNS_SQL =
  "select column_name, data_type from information_schema.columns " +
  "where table_schema = :schema and table_name = :table order by ordinal_position";

/** Parameters `$1`, `$2`: the same for PostgreSQL. */
export const POSTGRES_TABLE_COLUMNS_SQL =
  "select column_name, data_type from information_schema.columns " +
  "where table_schema = $1 and table_name = $2 order by ordinal_position";
