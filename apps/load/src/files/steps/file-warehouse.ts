import type { FileLoadSpec, TableColumn } from "@etl/db/file-load";
import type { FileRule } from "@etl/db/rules";

export interface FileLoadRequest {
  rule: FileRule;
  spec: FileLoadSpec;
  /** The processing copy to load, in the landing bucket. */
  bucket: string;
  key: string;
  /** Epoch ms by which a Redshift statement must be done or handed back. */
  deadline: number;
  /** Redshift: the statement an earlier attempt submitted for this object version. */
  statementId?: string;
  /** Redshift: told the statement id once it is submitted, before it is awaited. */
  onSubmitted?(statementId: string): Promise<void>;
}

export interface FileLoadResult {
  /** `already-loaded`: the ledger has this object version; nothing was written. */
  status: "loaded" | "already-loaded";
  rows: number;
  statementId?: string;
}

/**
 * The warehouse port of the landed-file load: PostgreSQL (`COPY FROM STDIN`, one transaction)
 * or Redshift (`COPY` from S3, one Data API batch). A load error is a `LoadDataError` (FAILED)
 * or retryable; a Redshift statement still running at the deadline is a
 * `StatementStillRunningError` (retryable: the next attempt picks the statement up).
 */
export interface FileWarehouse {
  readonly target: "postgres" | "redshift";
  /** The target's columns and types in order; empty when the table does not exist. */
  columns(schema: string, table: string, deadline: number): Promise<TableColumn[]>;
  /** What this warehouse cannot do with the rule (checked before anything is read). */
  problems(rule: FileRule): string[];
  load(request: FileLoadRequest): Promise<FileLoadResult>;
}

/** Field `i`'s source name for JSON Lines and Parquet; undefined for a filler. */
export function sourceNames(rule: FileRule): (string | undefined)[] {
  return (rule.columns ?? []).map((c) => (c.name === undefined ? undefined : (c.source ?? c.name)));
}
