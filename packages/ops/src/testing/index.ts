export { createMemoryAlerter, type MemoryAlerter, type SentAlert } from "./memory-alerter";
export { createMemoryAuditLog, type MemoryAuditLog } from "./memory-audit-log";
export { createMemoryQueueVisibility, type MemoryQueueVisibility } from "./memory-queue-visibility";
export { createMemoryStateStore, type MemoryStateStore } from "./memory-state-store";
