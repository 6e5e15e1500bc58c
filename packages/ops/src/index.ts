export { alertMessage, alertSubject, MAX_MESSAGE_CHARS, MAX_SUBJECT_CHARS } from "./alert-format";
export {
  type BlockageRecorded,
  type ClearedBlockage,
  clearBlockage,
  currentBlockage,
  effectivePreviousRun,
  forgetBlockedRun,
  listBlockages,
  listBlockedRuns,
  listSkippedRuns,
  recordBlockage,
  recordBlockedRun,
  recordSkippedRun,
  skippedRun,
} from "./blockage";
export { OpsStoreError, type WatermarkConflict, WatermarkConflictError } from "./errors";
export { createLogger, createMetrics, type LoggerOptions, logLevelFrom, redactingReplacer } from "./logging";
export { type MetricPoint, type MetricsSink, publishMetricPoints, tableMetricPoints } from "./metric-points";
export type {
  Alert,
  Alerter,
  AuditItem,
  AuditLog,
  AuditStatus,
  FailureItem,
  PutRecordOptions,
  QueueVisibility,
  Stage,
  StateStore,
  StoredRecord,
  VisibilityChange,
  WatermarkUpdate,
} from "./ports";
export type { StageProgress } from "./progress";
export {
  type AuditRecord,
  auditSortKey,
  DEFAULT_AUDIT_TTL_DAYS,
  type FailureRecord,
  MAX_ERROR_CHARS,
  MAX_SORT_KEY_BYTES,
  MAX_SQL_CHARS,
  runPartitionKey,
  toAuditRecord,
  toFailureRecord,
  truncate,
} from "./records";
export { isSecretKey, REDACTED, redactSecrets, redactValue } from "./redact";
export { type BackoffOptions, MAX_VISIBILITY_SECONDS, retryBackoffSeconds } from "./sqs-backoff";
export {
  type AcknowledgedFailure,
  type BatchLogger,
  SETTLED_RECORDS,
  type SettledRecord,
  type SettleOptions,
  type SqsBatchResult,
  type SqsRecordLike,
  settleSqsBatch,
} from "./sqs-batch";
export type { FailureReporting, RecordSubject } from "./sqs-failure-reporting";
