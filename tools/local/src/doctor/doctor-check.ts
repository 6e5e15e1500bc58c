import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { RedshiftDataClient } from "@aws-sdk/client-redshift-data";
import { S3Client } from "@aws-sdk/client-s3";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import { messageOf } from "@etl/schemas";

// What every check of `etl doctor` shares: its outcome, the SDK clients it calls, and the
// variables that name the deployed stack.

/** Every check's outcome: `warn` is reported but does not fail the run. */
export interface DoctorCheck {
  check: string;
  status: "ok" | "fail" | "warn";
  detail: string;
  /** What to do about a failure or warning. */
  fix?: string;
}

export interface DoctorClients {
  secrets: SecretsManagerClient;
  dynamo: DynamoDBClient;
  sns: SNSClient;
  sqs: SQSClient;
  events: EventBridgeClient;
  redshift: RedshiftDataClient;
  s3: S3Client;
}

export type Env = Readonly<Record<string, string | undefined>>;

/** The subject of the test alert: marked, so subscribers can filter it. */
export const DOCTOR_ALERT_SUBJECT = "[etl doctor] test alert";
/** A message is retried at least this often before it goes to the dead-letter queue. */
export const MIN_MAX_RECEIVE_COUNT = 5;

export const SECRET_VARIABLES = [
  "DB_SECRET_ARN",
  "WAREHOUSE_SECRET_ARN",
  "REDSHIFT_SECRET_ARN",
  "RULES_SECRET_ARN",
] as const;
export const TABLE_VARIABLES = ["AUDIT_TABLE", "FAILURE_TABLE", "STATE_TABLE"] as const;
export const QUEUE_VARIABLES = ["TRANSFORM_QUEUE_URL", "LOAD_QUEUE_URL", "FILES_QUEUE_URL"] as const;

export const ok = (check: string, detail: string): DoctorCheck => ({ check, status: "ok", detail });
export const fail = (check: string, detail: string, fix: string): DoctorCheck => ({
  check,
  status: "fail",
  detail,
  fix,
});
export const errorName = (error: unknown) => (error as { name?: string }).name ?? "Error";
/** An SDK error's name and message: neither carries a secret's value. */
export const why = (error: unknown) => `${errorName(error)}: ${messageOf(error)}`;

/** The clients for the region; `AWS_ENDPOINT_URL` (an emulator) is honoured by each SDK client. */
export function doctorClients(region: string, env: Env = process.env): DoctorClients {
  const endpoint = env.AWS_ENDPOINT_URL;
  return {
    secrets: new SecretsManagerClient({ region }),
    dynamo: new DynamoDBClient({ region }),
    sns: new SNSClient({ region }),
    sqs: new SQSClient({ region }),
    events: new EventBridgeClient({ region }),
    redshift: new RedshiftDataClient({ region }),
    s3: new S3Client({ region, ...(endpoint ? { forcePathStyle: true } : {}) }),
  };
}
