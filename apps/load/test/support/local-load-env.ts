import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cloud, type localDynamoClient, localS3Env } from "@etl/local-cloud/testing";
import { ensureTables } from "@etl/ops/aws";

export interface OpsTables {
  audit: string;
  failure: string;
  state: string;
}

/**
 * The run load's environment on the local services: new audit, failure and state tables of its
 * own (created here) and an alert file in a new folder; `extra` (the warehouse) is added last.
 */
export async function localLoadEnv(
  dynamo: ReturnType<typeof localDynamoClient>,
  processedBucket: string,
  extra: Record<string, string> = {},
): Promise<{ env: Record<string, string>; tables: OpsTables; alertFile: string }> {
  const endpoints = cloud();
  const suffix = randomUUID().slice(0, 8);
  const tables = { audit: `audit-${suffix}`, failure: `failures-${suffix}`, state: `state-${suffix}` };
  await ensureTables(dynamo, tables);
  const alertFile = join(mkdtempSync(join(tmpdir(), "load-alerts-")), "alerts.jsonl");
  const env = {
    AWS_REGION: endpoints.region,
    S3_ENDPOINT: endpoints.s3Endpoint,
    ...localS3Env(),
    DYNAMODB_ENDPOINT: endpoints.dynamodbEndpoint,
    PROCESSED_BUCKET: processedBucket,
    STATE_TABLE: tables.state,
    AUDIT_TABLE: tables.audit,
    FAILURE_TABLE: tables.failure,
    ALERT_FILE: alertFile,
    POWERTOOLS_LOG_LEVEL: "SILENT",
    ...extra,
  };
  return { env, tables, alertFile };
}
