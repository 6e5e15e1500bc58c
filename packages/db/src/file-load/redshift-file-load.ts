import { LoadDataError, LoadTransientError } from "../errors";
import { classifyStatementError } from "../redshift/classify";
import type { RedshiftDataApi, StatementStatus } from "../redshift/data-api";
import { queryRows, type WaitOptions, waitForStatement } from "../redshift/wait";
import type { FileLoadSpec } from "./file-load-spec";
import {
  REDSHIFT_TABLE_COLUMNS_SQL,
  type RedshiftCopySource,
  redshiftFileBatchSql,
  redshiftLoadedFileSql,
} from "./redshift-file-sql";

export interface TableColumn {
  name: string;
  dataType: string;
}

export interface RedshiftFileLoader {
  /** The target's columns in order; empty when the table does not exist. */
  columns(schema: string, table: string, wait: WaitOptions): Promise<TableColumn[]>;
  /** True when the ledger has this object version. */
  isLoaded(controlSchema: string, key: string, wait: WaitOptions): Promise<boolean>;
  /** Submits the load's batch; returns the statement id. */
  submit(spec: FileLoadSpec, source: RedshiftCopySource, name: string): Promise<string>;
  /**
   * Polls the statement until it ends or the deadline passes. FINISHED resolves; FAILED is a
   * `LoadDataError` (bad data or SQL) or, for a serialization or connection failure, a
   * `LoadTransientError`; ABORTED (cancelled on purpose) a `LoadDataError`; still running at the
   * deadline resolves with its status, for the caller to record and come back to.
   */
  wait(id: string, spec: FileLoadSpec, wait: WaitOptions): Promise<StatementStatus>;
}

/**
 * A landed file's load through the Redshift Data API: the checks as parameterised statements,
 * the load as one batch (one transaction) built by `redshiftFileBatchSql`.
 *
 * @example
 * const loader = createRedshiftFileLoader(api);
 * const id = await loader.submit(spec, { uri, iamRoleArn, format: { kind: "parquet" }, gzip: false }, "etl-file-1a2b");
 * const status = await loader.wait(id, spec, { deadline: Date.now() + 60_000 });
 */
export function createRedshiftFileLoader(api: RedshiftDataApi): RedshiftFileLoader {
  return {
    async columns(schema, table, wait) {
      const rows = await queryRows(
        api,
        REDSHIFT_TABLE_COLUMNS_SQL,
        "etl-file-columns",
        { schema, table },
        wait,
      );
      return rows.map((r) => ({ name: String(r.column_name), dataType: String(r.data_type) }));
    },
    async isLoaded(controlSchema, key, wait) {
      const rows = await queryRows(
        api,
        redshiftLoadedFileSql(controlSchema),
        "etl-file-ledger",
        { key },
        wait,
      );
      return rows.length > 0;
    },
    submit(spec, source, name) {
      return api.submitBatch(redshiftFileBatchSql(spec, source), name);
    },
    async wait(id, spec, wait) {
      const status = await waitForStatement(api, id, wait);
      if (status.state !== "FAILED" && status.state !== "ABORTED") return status;
      throw fileLoadError(status, spec);
    },
  };
}

/**
 * A landed file's failed (or aborted) batch as the load reports it: a serialization or
 * connection failure is a `LoadTransientError`; anything else, and a statement cancelled on
 * purpose (ABORTED), a `LoadDataError`.
 */
export function fileLoadError(
  status: StatementStatus,
  spec: FileLoadSpec,
): LoadDataError | LoadTransientError {
  const id = status.id;
  const context = {
    table: `${spec.schema}.${spec.table}`,
    key: spec.ledger.key,
    statementId: id,
    ...(status.failedSql ? { sql: status.failedSql } : {}),
    details: {
      ...(status.failedIndex !== undefined ? { failedIndex: status.failedIndex } : {}),
      ...(status.failedQueryId !== undefined ? { queryId: status.failedQueryId } : {}),
    },
  };
  const message = `statement ${id} ${status.state}: ${status.error ?? "no error given"}`;
  // ABORTED means someone cancelled it: not retried, like any statement stopped on purpose.
  if (status.state === "FAILED" && classifyStatementError(status.error) !== "terminal")
    return new LoadTransientError(message, context, { code: "REDSHIFT_FILE_LOAD" });
  return new LoadDataError(message, context, { code: "REDSHIFT_FILE_LOAD" });
}
