import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SNSClient } from "@aws-sdk/client-sns";
import { createFileAlerter } from "../local/file-alerter";
import type { Alerter, AuditLog, StateStore } from "../ports";
import { createDynamoAuditLog } from "./dynamo-audit-log";
import { createDynamoStateStore } from "./dynamo-state-store";
import { createSnsAlerter } from "./sns-alerter";

/** The variables of every app's env schema that name its audit, alert and state resources. */
export interface OpsEnv {
  AWS_REGION: string;
  DYNAMODB_ENDPOINT?: string | undefined;
  AUDIT_TABLE: string;
  FAILURE_TABLE: string;
  STATE_TABLE?: string | undefined;
  ALERT_TOPIC_ARN?: string | undefined;
  ALERT_FILE?: string | undefined;
}

export interface OpsAdapters {
  dynamo: DynamoDBClient;
  audit: AuditLog;
  alerter: Alerter;
  /** Present when the env names a state table. */
  state?: StateStore;
}

/**
 * The audit log, the alerter and the state store an app's config names, built once at cold
 * start: DynamoDB (or the local endpoint, with placeholder credentials), and SNS when a topic is
 * set, else the local alert file.
 *
 * @example
 * const { audit, alerter, state } = createOpsAdapters(config);
 */
export function createOpsAdapters<E extends OpsEnv>(
  env: E,
): OpsAdapters & (E extends { STATE_TABLE: string } ? { state: StateStore } : unknown) {
  const region = env.AWS_REGION;
  const dynamo = new DynamoDBClient({
    region,
    ...(env.DYNAMODB_ENDPOINT
      ? { endpoint: env.DYNAMODB_ENDPOINT, credentials: { accessKeyId: "local", secretAccessKey: "local" } }
      : {}),
  });
  const alerter = env.ALERT_TOPIC_ARN
    ? createSnsAlerter({ client: new SNSClient({ region }), topicArn: env.ALERT_TOPIC_ARN })
    : createFileAlerter(env.ALERT_FILE ?? "alerts.jsonl");
  const adapters: OpsAdapters = {
    dynamo,
    audit: createDynamoAuditLog({
      client: dynamo,
      auditTable: env.AUDIT_TABLE,
      failureTable: env.FAILURE_TABLE,
    }),
    alerter,
    ...(env.STATE_TABLE ? { state: createDynamoStateStore({ client: dynamo, table: env.STATE_TABLE }) } : {}),
  };
  return adapters as OpsAdapters & (E extends { STATE_TABLE: string } ? { state: StateStore } : unknown);
}
