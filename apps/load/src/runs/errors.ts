import { EtlError } from "@etl/schemas";

/**
 * A Redshift statement of another run is still running (handed off to the completion handler).
 * Runs load in order: the message is redelivered later, and the FIFO group holds the runs behind
 * it, so a newer dimension version is never overwritten by an older one.
 */
export class WarehouseBusyError extends EtlError {
  constructor(
    readonly runId: string,
    readonly busyWith: { runId: string; table: string; statementId: string },
  ) {
    super(
      `run ${runId} waits: statement ${busyWith.statementId} of run ${busyWith.runId} (${busyWith.table}) is still running`,
      { retryable: true, code: "WAREHOUSE_BUSY" },
    );
  }
}

/** A Redshift statement was cancelled (ABORTED): someone stopped it on purpose, so it is not retried. */
export class StatementAbortedError extends EtlError {
  constructor(
    readonly statementId: string,
    readonly table: string,
  ) {
    super(`statement ${statementId} loading ${table} was aborted`, { retryable: false, code: "ABORTED" });
  }
}
