import { DataError, EtlError, messageOf, TransientError } from "@etl/schemas";

/** Where a load failed: what the failure record and the alert name. */
export interface LoadErrorContext {
  table?: string;
  key?: string;
  /** The statement that failed, as sent (the caller redacts it before storing it). */
  sql?: string;
  statementId?: string;
  details?: Record<string, unknown>;
}

/** Bad data in a load: retrying cannot help; the run is failed, audited and alerted. */
export class LoadDataError extends DataError {
  constructor(
    message: string,
    readonly context: LoadErrorContext,
    options: { code?: string; cause?: unknown } = {},
  ) {
    super(message, options);
  }
}

/** The warehouse or the network failed in a way a later attempt may not. */
export class LoadTransientError extends TransientError {
  constructor(
    message: string,
    readonly context: LoadErrorContext,
    options: { code?: string; cause?: unknown } = {},
  ) {
    super(message, options);
  }
}

/**
 * Runs load in order: the run before this one (the manifest's `previousRunId`) is not FINISHED in
 * the ledger yet. Retryable: the queue redelivers the run, and it loads once its predecessor has.
 */
export class PreviousRunNotLoadedError extends TransientError {
  constructor(
    readonly runId: string,
    readonly previousRunId: string,
  ) {
    super(`run ${runId} waits for run ${previousRunId} to be loaded first`, {
      code: "PREVIOUS_RUN_NOT_LOADED",
    });
  }
}

/** The context of a load error, when it has one. */
export function loadErrorContext(error: unknown): LoadErrorContext | undefined {
  return error instanceof LoadDataError || error instanceof LoadTransientError ? error.context : undefined;
}

interface PgErrorShape {
  code?: unknown;
  detail?: unknown;
  where?: unknown;
  column?: unknown;
}

/** Data the warehouse refused: data exceptions (22) and integrity violations (23). */
function isDataState(code: string): boolean {
  return /^(22|23)/.test(code);
}

/**
 * Maps an error from `pg` to a load error with its context: data exceptions and constraint
 * violations are `LoadDataError` (with PostgreSQL's `where`, which names the COPY line and
 * column). Everything else is a `LoadTransientError`: connection loss, serialization failures,
 * lock time-outs, and anything unknown, which counts as retryable.
 */
export function toLoadError(error: unknown, context: LoadErrorContext): unknown {
  if (error instanceof LoadDataError || error instanceof LoadTransientError) return error;
  const at = [context.table, context.key].filter(Boolean).join(" ");
  const prefix = at ? `${at}: ` : "";
  if (error instanceof EtlError) {
    return error.retryable
      ? new LoadTransientError(`${prefix}${error.message}`, context, { code: error.code, cause: error })
      : new LoadDataError(`${prefix}${error.message}`, context, { code: error.code, cause: error });
  }
  const pg = (typeof error === "object" && error !== null ? error : {}) as PgErrorShape;
  const code = typeof pg.code === "string" ? pg.code : "";
  const where = typeof pg.where === "string" ? ` (${pg.where.split("\n")[0]})` : "";
  const detail = typeof pg.detail === "string" ? `: ${pg.detail}` : "";
  const message = `${prefix}${messageOf(error)}${detail}${where}`;
  if (/^[0-9A-Z]{5}$/.test(code) && isDataState(code)) {
    return new LoadDataError(message, context, { code: `PG_${code}`, cause: error });
  }
  // Anything unknown (a missing table before a migration, a lost connection, a bug) is retried:
  // SQS redelivers it until its dead-letter queue takes it, and every attempt is audited.
  return new LoadTransientError(message, context, {
    code: code ? `PG_${code}` : "UNKNOWN",
    cause: error,
  });
}

/** A statement still running after the deadline: retry later, the caller keeps its id. */
export class StatementStillRunningError extends TransientError {
  constructor(readonly statementId: string) {
    super(`statement ${statementId} is still running`, { code: "REDSHIFT_STILL_RUNNING" });
  }
}
