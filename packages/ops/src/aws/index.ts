export { type Backoff, createBackoff, type RetryOptions } from "./backoff";
export { BATCH_SIZE, createDynamoAuditLog, type DynamoAuditLogOptions } from "./dynamo-audit-log";
export { createDynamoStateStore, type DynamoStateStoreOptions, STATE_KEYS } from "./dynamo-state-store";
export { ensureTables, type OpsTableNames, TTL_ATTRIBUTE } from "./ensure-tables";
export { createOpsAdapters, type OpsAdapters, type OpsEnv } from "./from-env";
export { awsErrorName, toOpsError } from "./map-aws-error";
export { createSnsAlerter, type SnsAlerterOptions } from "./sns-alerter";
export {
  createSqsQueueVisibility,
  queueVisibilityOnLambda,
  type SqsQueueVisibilityOptions,
} from "./sqs-queue-visibility";
