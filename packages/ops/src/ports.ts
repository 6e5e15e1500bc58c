export type Stage = "ingest" | "transform" | "load" | "files";
export type AuditStatus = "STARTED" | "FINISHED" | "FAILED" | "ABORTED" | "SKIPPED" | "HANDED_OFF";

/** One file (or, with key "-", one whole run) in one attempt of one stage. */
export interface AuditItem {
  stage: Stage;
  runId: string;
  /** The object key the item is about; "-" for the run itself. */
  key: string;
  status: AuditStatus;
  /** When this attempt started (ISO); with `key` it tells attempts apart. */
  attempt: string;
  table?: string;
  bucket?: string;
  size?: number;
  etag?: string;
  rows?: number;
  durationMs?: number;
  statementId?: string;
  error?: string;
}

/** What failed, with what a person needs to act on it; SQL is stored with secrets redacted. */
export interface FailureItem {
  stage: Stage;
  runId: string;
  error: string;
  retryable: boolean;
  key?: string;
  table?: string;
  sql?: string;
  details?: Record<string, unknown>;
}

export interface Alert {
  stage: Stage;
  runId: string;
  table?: string;
  key?: string;
  /** Short, names stage, table and file; SNS caps subjects at 100 characters. */
  subject: string;
  /** Sent as JSON in the body. */
  detail: Record<string, unknown>;
}

/** Writes audit and failure items (DynamoDB in AWS). */
export interface AuditLog {
  record(items: AuditItem[]): Promise<void>;
  recordFailure(failure: FailureItem): Promise<void>;
}

/** Publishes alerts (SNS in AWS, a file and the console locally). */
export interface Alerter {
  alert(alert: Alert): Promise<void>;
}
