import { DataError } from "@etl/schemas";
import { qualified, quoteIdent } from "../sql";
import {
  checkSpec,
  type FileLoadSpec,
  isTimestampWithoutZone,
  loadedColumns,
  procedureParts,
  stagingColumn,
} from "./file-load-spec";

/**
 * The SQL of a landed file's load into PostgreSQL. Identifiers only through `quoteIdent`; values
 * (time zone, ledger row, lock name) as bind parameters; the COPY's single characters (which
 * COPY cannot take as parameters) as `E'\xHH'` escapes computed from the character code, after
 * checking each is one ASCII character outside letters, digits, CR and LF. No rule text is ever
 * pasted into the SQL.
 */

/** CSV dialect of the COPY: the rule's characters for csv and delimited files, `, " "` otherwise. */
export interface CsvDialect {
  delimiter: string;
  quote: string;
  escape: string;
}

export const DEFAULT_CSV: CsvDialect = { delimiter: ",", quote: '"', escape: '"' };

/** The temporary staging table of a file load (dropped at commit). */
export const FILE_STAGING = "_etl_file_stage";
/** Staging column numbering the file's records, so a merge keeps the last record of a key. */
export const LINE_COLUMN = "_etl_line";

/** A single COPY option character, checked, as `E'\xHH'`. */
export function copyCharLiteral(char: string, what: string): string {
  const code = char.length === 1 ? char.charCodeAt(0) : -1;
  if (code < 1 || code > 127 || char === "\n" || char === "\r" || /[A-Za-z0-9]/.test(char)) {
    throw new DataError(
      `refused COPY ${what}: it must be one ASCII character other than a letter, digit, CR or LF`,
      {
        code: "BAD_COPY_OPTION",
      },
    );
  }
  return `E'\\x${code.toString(16).padStart(2, "0")}'`;
}

/** `copy <staging> (<fields>) from stdin with (format csv, delimiter ..., quote ..., escape ...)`. */
export function postgresCopySql(spec: FileLoadSpec, csv: CsvDialect): string {
  if (csv.delimiter === csv.quote)
    throw new DataError("the quote must differ from the delimiter", { code: "BAD_COPY_OPTION" });
  const fields = spec.fields.map((f, i) => quoteIdent(stagingColumn(f, i))).join(", ");
  return (
    `copy ${quoteIdent(FILE_STAGING)} (${fields}) from stdin with (format csv, ` +
    `delimiter ${copyCharLiteral(csv.delimiter, "delimiter")}, quote ${copyCharLiteral(csv.quote, "quote")}, ` +
    `escape ${copyCharLiteral(csv.escape, "escape")})`
  );
}

/** Parameter `$1`: the zone timestamps without one are read in, for this transaction only. */
export const SET_TIME_ZONE_SQL = "select set_config('TimeZone', $1, true)";

/** Parameter `$1`: one load at a time per target table (replace and merge read what they write). */
export const TABLE_LOCK_SQL = "select pg_advisory_xact_lock(hashtextextended($1, 0))";

/** Parameter `$1`: the ledger key; a row means this object version is loaded already. */
export function loadedFileSql(controlSchema: string): string {
  return `select 1 from ${qualified(controlSchema, "loaded_files")} where "key" = $1`;
}

/**
 * The staging table: the file's fields with the target's column types (no constraints), a
 * filler as text, and timestamps without zone staged WITH zone, so the COPY reads them in the
 * session's zone (the rule's) and the insert converts them to UTC.
 */
export function createFileStagingSql(spec: FileLoadSpec): string[] {
  const select = spec.fields
    .map((f, i) => {
      const name = quoteIdent(stagingColumn(f, i));
      if (f.column === undefined) return `cast(null as text) as ${name}`;
      return isTimestampWithoutZone(f.dataType) ? `cast(${name} as timestamptz) as ${name}` : name;
    })
    .join(", ");
  return [
    `create temp table ${quoteIdent(FILE_STAGING)} on commit drop as select ${select} ` +
      `from ${qualified(spec.schema, spec.table)} with no data`,
    `alter table ${quoteIdent(FILE_STAGING)} add column ${quoteIdent(LINE_COLUMN)} bigserial`,
  ];
}

/** The staged value of a column as the target stores it. */
function stagedValue(spec: FileLoadSpec, column: string, prefix = ""): string {
  const field = spec.fields.find((f) => f.column === column);
  const ref = `${prefix}${quoteIdent(column)}`;
  return isTimestampWithoutZone(field?.dataType) ? `(${ref} at time zone 'UTC')` : ref;
}

/**
 * Append: insert every record. Replace: empty the table (DELETE, in the transaction) and insert.
 * Merge: the last record of each key (file order) updates the row with that key or is inserted.
 */
export function postgresWriteSql(spec: FileLoadSpec): string[] {
  checkSpec(spec);
  const target = qualified(spec.schema, spec.table);
  const staging = quoteIdent(FILE_STAGING);
  const columns = loadedColumns(spec);
  const list = columns.map(quoteIdent).join(", ");
  const values = columns.map((c) => stagedValue(spec, c)).join(", ");
  const insert = `insert into ${target} (${list}) select ${values} from ${staging} order by ${quoteIdent(LINE_COLUMN)}`;
  if (spec.mode === "append") return [insert];
  if (spec.mode === "replace") return [`delete from ${target}`, insert];
  const keys = spec.keys.map(quoteIdent).join(", ");
  const source =
    `select distinct on (${keys}) ${columns.map((c) => `${stagedValue(spec, c)} as ${quoteIdent(c)}`).join(", ")} ` +
    `from ${staging} order by ${keys}, ${quoteIdent(LINE_COLUMN)} desc`;
  const on = spec.keys.map((k) => `"t".${quoteIdent(k)} = "s".${quoteIdent(k)}`).join(" and ");
  const set = columns
    .filter((c) => !spec.keys.includes(c))
    .map((c) => `${quoteIdent(c)} = "s".${quoteIdent(c)}`)
    .join(", ");
  return [
    `merge into ${target} as "t" using (${source}) as "s" on ${on} ` +
      `when matched then update set ${set} ` +
      `when not matched then insert (${list}) values (${columns.map((c) => `"s".${quoteIdent(c)}`).join(", ")})`,
  ];
}

/** `call "schema"."procedure"()`: the allow-listed follow-up, inside the load's transaction. */
export function followUpSql(name: string): string {
  const [schema, procedure] = procedureParts(name);
  return `call ${qualified(schema, procedure)}()`;
}

/** Parameters `$1..$5`: key, run id, table, sha256, rows. */
export function insertLoadedFileSql(controlSchema: string): string {
  return (
    `insert into ${qualified(controlSchema, "loaded_files")} ("key", "run_id", "table_name", "sha256", "rows", "loaded_at") ` +
    `values ($1, $2, $3, $4, $5, $6)`
  );
}
