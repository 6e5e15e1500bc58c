export type { Alert, Alerter, AuditItem, AuditLog, AuditStatus, FailureItem, Stage } from "./ports";
