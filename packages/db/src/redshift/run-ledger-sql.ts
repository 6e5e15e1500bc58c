import { qualified } from "../sql";
import { sqlLiteral, timestampLiteral } from "./literals";

/** The Redshift load's statements about whole runs: the ledger row, and what was loaded. */

export interface RunRowInput {
  controlSchema: string;
  runId: string;
  target: string;
  startedAt: Date;
  finishedAt: Date;
  files: number;
  rows: number;
}

/**
 * The run's row in `etl.load_runs` as FINISHED, replacing an earlier one; rows inserted and
 * updated are the sums of the run's `etl.loaded_tables` rows (written by the table batches, some
 * perhaps in earlier invocations).
 */
export function finishRunSql(input: RunRowInput): string[] {
  const runs = qualified(input.controlSchema, "load_runs");
  const tables = qualified(input.controlSchema, "loaded_tables");
  const runId = sqlLiteral(input.runId, "run id");
  return [
    `delete from ${runs} where "run_id" = ${runId}`,
    `insert into ${runs} ("run_id", "target", "status", "started_at", "finished_at", "files", "rows", "inserted", "updated") ` +
      `select ${runId}, ${sqlLiteral(input.target, "target")}, 'FINISHED', ${timestampLiteral(input.startedAt)}, ` +
      `${timestampLiteral(input.finishedAt)}, ${Math.trunc(input.files)}, ${Math.trunc(input.rows)}, ` +
      `coalesce(sum("inserted"), 0), coalesce(sum("updated"), 0) from ${tables} where "run_id" = ${runId}`,
  ];
}

/** Parameter `run_id`: what the run's merges wrote, from `etl.loaded_tables`. */
export function writtenOfRunSql(controlSchema = "etl"): string {
  return (
    `select coalesce(sum("inserted"), 0) as "inserted", coalesce(sum("updated"), 0) as "updated" ` +
    `from ${qualified(controlSchema, "loaded_tables")} where "run_id" = :run_id`
  );
}

/** Parameter `run_id`: the keys of a run already in the ledger (ExecuteStatement, values as parameters). */
export function loadedKeysOfRunSql(controlSchema = "etl"): string {
  return `select "key" from ${qualified(controlSchema, "loaded_files")} where "run_id" = :run_id`;
}

/** Parameter `run_id`: the run's status in the ledger. */
export function runStatusOfSql(controlSchema = "etl"): string {
  return `select "status" from ${qualified(controlSchema, "load_runs")} where "run_id" = :run_id`;
}

/**
 * Parameter `query_id`: why a COPY failed, row by row (`SYS_LOAD_ERROR_DETAIL`), for the failure
 * record. Only the view's documented columns: it has no raw field value (the value is left out
 * on purpose rather than read from `STL_LOADERROR_DETAIL`, which only provisioned clusters'
 * main cluster fill and which could carry the file's data into alerts). Its character columns
 * are blank-padded `character(n)`, hence `trim`.
 */
export const LOAD_ERROR_DETAIL_SQL =
  "select trim(file_name) as file_name, line_number, trim(column_name) as column_name, " +
  "trim(column_type) as column_type, trim(column_length) as column_length, position, error_code, " +
  "trim(error_message) as error_message from sys_load_error_detail " +
  "where query_id = :query_id order by line_number limit 100";
