export type Stage = "ingest" | "transform" | "load" | "files";
/**
 * `BUSY`: a delivery found another attempt working on the object and was refused (retryable).
 * `DEAD_LETTERED`: a message failed its queue's last receive (reported by the batch loop).
 * `BLOCKED`: a run acknowledged while an earlier run blocks its stage (failed for good); it is
 * delivered again when that run is replayed or skipped.
 */
export type AuditStatus =
  | "STARTED"
  | "FINISHED"
  | "FAILED"
  | "ABORTED"
  | "SKIPPED"
  | "HANDED_OFF"
  | "BUSY"
  | "DEAD_LETTERED"
  | "BLOCKED";

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
  /** Something a reader of a FINISHED item should know (an overlapping run, ...). */
  note?: string;
  /** A source table's reconciliation in the run: rows read, transformed, quarantined and deleted. */
  counts?: { read: number; transformed: number; quarantined: number; deleted: number };
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

/** Moves one watermark from the value a run read (`from`, null when none) to where it read up to. */
export interface WatermarkUpdate {
  name: string;
  from: string | null;
  to: string;
}

/** A small JSON record kept in the state table (a Redshift statement handed off, say). */
export interface StoredRecord {
  namespace: string;
  id: string;
  data: Record<string, unknown>;
  /** When the record was last written (ISO). */
  updatedAt: string;
  /** Epoch seconds after which the table's TTL may delete it. */
  expiresAt?: number;
}

export interface PutRecordOptions {
  /** Write only when no record has this id; resolves false when one exists. */
  ifAbsent?: boolean;
  /**
   * Write only when a record with this id exists and each of these `data` fields holds its value
   * (`null`: the field is absent); resolves false otherwise. A compare-and-set on one record.
   */
  ifData?: Record<string, string | number | boolean | null>;
  /** Let the table's TTL delete the record this long after the write. */
  ttlSeconds?: number;
}

/**
 * Durable run state (DynamoDB in AWS): run sequence numbers, watermarks and small records.
 * Watermarks only ever move with a compare-and-set, so two overlapping runs cannot both advance.
 */
export interface StateStore {
  /** Atomically adds one to the named counter and returns the new value (1 the first time). */
  nextSequence(name: string): Promise<number>;
  /** The current watermark of each name; null for a name never advanced. */
  getWatermarks(names: readonly string[]): Promise<Record<string, string | null>>;
  /**
   * Advances every watermark in one atomic write, only if each still holds its `from` value;
   * otherwise nothing changes and a `WatermarkConflictError` is thrown.
   */
  advanceWatermarks(updates: readonly WatermarkUpdate[], runId: string): Promise<void>;
  /** Resolves false only when the `ifAbsent` or `ifData` condition does not hold. */
  putRecord(
    namespace: string,
    id: string,
    data: Record<string, unknown>,
    options?: PutRecordOptions,
  ): Promise<boolean>;
  getRecord(namespace: string, id: string): Promise<StoredRecord | undefined>;
  /** Resolves true when a record was deleted: of two concurrent deletes, exactly one gets true. */
  deleteRecord(namespace: string, id: string): Promise<boolean>;
  /** Every record of the namespace whose id starts with `prefix`, in id order. */
  listRecords(namespace: string, prefix?: string): Promise<StoredRecord[]>;
}

/** One received SQS message to be made visible again after `timeoutSeconds` (from now). */
export interface VisibilityChange {
  /** The queue's ARN (the record's `eventSourceARN`). */
  queueArn: string;
  receiptHandle: string;
  /** 0 to 43,200 (12 hours), SQS's range. */
  timeoutSeconds: number;
}

/**
 * Sets when SQS delivers a received message again (`ChangeMessageVisibility` on AWS). Without
 * it a failed message stays invisible for the queue's whole visibility timeout.
 */
export interface QueueVisibility {
  changeVisibility(change: VisibilityChange): Promise<void>;
}
