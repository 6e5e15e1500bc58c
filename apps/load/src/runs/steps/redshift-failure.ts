import { LoadDataError, LoadTransientError } from "@etl/db/errors";
import { classifyStatementError, type ResultRow, type StatementStatus } from "@etl/db/redshift";
import type { StarTable } from "@etl/schemas";
import { StatementAbortedError } from "../errors";

export interface RedshiftFailure {
  error: Error;
  retryable: boolean;
}

/**
 * The failure of a table's statement as the run load reports it: ABORTED (cancelled on purpose)
 * is final; a serialization or connection failure is retryable; anything else is bad data and
 * carries the `SYS_LOAD_ERROR_DETAIL` rows `loadErrors` reads for the failed query.
 */
export async function redshiftFailure(
  status: StatementStatus,
  table: StarTable,
  files: readonly { key: string }[],
  loadErrors: (queryId: number) => Promise<ResultRow[]>,
): Promise<RedshiftFailure> {
  const key = files.length === 1 ? files[0]?.key : undefined;
  const where = {
    table,
    statementId: status.id,
    ...(key ? { key } : {}),
    ...(status.failedSql ? { sql: status.failedSql } : {}),
  };
  if (status.state === "ABORTED")
    return { error: new StatementAbortedError(status.id, table), retryable: false };
  const kind = classifyStatementError(status.error);
  const message = `${table}: statement ${status.id} failed: ${status.error ?? "no error given"}`;
  if (kind !== "terminal") {
    return {
      error: new LoadTransientError(message, where, { code: `REDSHIFT_${kind.toUpperCase()}` }),
      retryable: true,
    };
  }
  const rows = status.failedQueryId === undefined ? [] : await loadErrors(status.failedQueryId);
  return {
    error: new LoadDataError(
      message,
      { ...where, details: { loadErrors: rows } },
      { code: "REDSHIFT_LOAD_FAILED" },
    ),
    retryable: false,
  };
}
