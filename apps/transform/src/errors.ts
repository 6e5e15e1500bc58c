import { objectUrl } from "@etl/s3-io";
import { DataError, EtlError } from "@etl/schemas";

/** Where in a raw file a problem is: the message names the file, the line and the column. */
export interface RawLocation {
  bucket: string;
  key: string;
  table: string;
  lineNumber?: number;
  column?: string;
}

/**
 * A raw file of the run is malformed (a line that is not JSON, a value of the wrong type, a
 * missing or unknown column, a row count or checksum that differs from the manifest) or holds a
 * row the warehouse cannot take. Not retryable: the run fails, no manifest is written and the raw
 * data stays where it is for a replay after the fix.
 */
export class RawDataError extends DataError {
  readonly bucket: string;
  readonly key: string;
  readonly table: string;
  readonly lineNumber: number | undefined;
  readonly column: string | undefined;
  /**
   * `row`: one line is bad and can be held in quarantine while the rest of the run loads.
   * `file`: the file or the run's manifest cannot be trusted (its size, checksum or row count
   * differ, it is not gzip, an id repeats, a column nobody declared): the run fails.
   */
  readonly scope: "row" | "file";

  constructor(
    problem: string,
    where: RawLocation,
    options: { code?: string; cause?: unknown; scope?: "row" | "file" } = {},
  ) {
    const line = where.lineNumber === undefined ? "" : ` line ${where.lineNumber}`;
    const column = where.column === undefined ? "" : ` column ${where.column}`;
    super(`${where.table} ${objectUrl(where.bucket, where.key)}${line}${column}: ${problem}`, {
      code: options.code ?? "BAD_RAW_ROW",
      cause: options.cause,
    });
    this.bucket = where.bucket;
    this.key = where.key;
    this.table = where.table;
    this.lineNumber = where.lineNumber;
    this.column = where.column;
    this.scope = options.scope ?? (where.lineNumber === undefined ? "file" : "row");
  }
}

/**
 * The run before this one has no processed manifest yet. Runs build on the reference state of
 * the run before them, so they are transformed in order: retryable, the queue redelivers later.
 */
export class PreviousRunPendingError extends EtlError {
  readonly previousRunId: string;

  constructor(runId: string, previousRunId: string) {
    super(`run ${previousRunId} must be transformed first (run ${runId} builds on its reference state)`, {
      retryable: true,
      code: "PREVIOUS_RUN_PENDING",
    });
    this.previousRunId = previousRunId;
  }
}

/**
 * An output key of this attempt exists already. Every attempt writes keys of its own (its attempt
 * token is in them), so another attempt that drew the same token wrote it (or this very put
 * landed although its response was lost): nothing is overwritten, and a retry draws a new token.
 */
export class OutputConflictError extends EtlError {
  readonly bucket: string;
  readonly key: string;

  constructor(bucket: string, key: string, options: { cause?: unknown } = {}) {
    super(
      `${objectUrl(bucket, key)} exists already (another attempt of the run drew the same attempt token); objects are never overwritten, the run is retried with a new token`,
      { retryable: true, code: "OUTPUT_CONFLICT", cause: options.cause },
    );
    this.bucket = bucket;
    this.key = key;
  }
}
