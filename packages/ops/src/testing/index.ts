export { createMemoryAlerter, type MemoryAlerter, type SentAlert } from "./memory-alerter";
export { createMemoryAuditLog, type MemoryAuditLog } from "./memory-audit-log";
export { createMemoryStateStore, type MemoryStateStore } from "./memory-state-store";
