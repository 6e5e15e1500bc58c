import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { encodeS3EventKey, localDynamoClient, localS3Client, type S3EventRecord } from "@etl/local-cloud";
import { createDynamoStateStore } from "@etl/ops/aws";
import { SCHEMA_DRIFT_NAMESPACE, type SchemaDriftRecord, SchemaDriftRecordSchema } from "@etl/schemas";
import type { LocalEnvironment } from "./environment";

/**
 * Where the operator commands look: the local services (endpoints and local names) or, with
 * `--aws`, AWS itself through the default credential chain and the names in the environment
 * (INGEST_BUCKET, PROCESSED_BUCKET, AUDIT_TABLE, FAILURE_TABLE, STATE_TABLE, WAREHOUSE_URL,
 * TRANSFORM_QUEUE_URL, LOAD_QUEUE_URL), the same variables the functions read.
 */
export interface OperatorTarget {
  kind: "local" | "aws";
  env: Record<string, string | undefined>;
  region: string;
  s3: S3Client;
  dynamoClient: DynamoDBClient;
  dynamo: DynamoDBDocumentClient;
}

export function localTarget(local: LocalEnvironment): OperatorTarget {
  const region = local.endpoints.region;
  const dynamoClient = localDynamoClient(local.endpoints);
  return {
    kind: "local",
    env: local.env,
    region,
    s3: localS3Client(local.endpoints),
    dynamoClient,
    dynamo: DynamoDBDocumentClient.from(dynamoClient),
  };
}

export function awsTarget(env: Record<string, string | undefined> = process.env): OperatorTarget {
  const missing = ["INGEST_BUCKET", "PROCESSED_BUCKET", "AUDIT_TABLE", "FAILURE_TABLE", "STATE_TABLE"].filter(
    (k) => !env[k],
  );
  if (missing.length > 0)
    throw new Error(`--aws needs ${missing.join(", ")} in the environment (the functions' own variables)`);
  const region = env.AWS_REGION ?? "eu-west-2";
  const dynamoClient = new DynamoDBClient({ region });
  return {
    kind: "aws",
    env,
    region,
    s3: new S3Client({ region }),
    dynamoClient,
    dynamo: DynamoDBDocumentClient.from(dynamoClient),
  };
}

/** The newest items of a table (a bounded scan: operators look at recent history). */
export async function recentItems(
  target: OperatorTarget,
  table: string,
  limit: number,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  let pages = 0;
  do {
    const page = await target.dynamo.send(
      new ScanCommand({ TableName: table, ExclusiveStartKey: start, Limit: 1000 }),
    );
    items.push(...((page.Items ?? []) as Record<string, unknown>[]));
    start = page.LastEvaluatedKey as Record<string, unknown> | undefined;
    pages += 1;
  } while (start && pages < 20);
  const at = (i: Record<string, unknown>) => String(i.recordedAt ?? i.at ?? i.attempt ?? "");
  return items.sort((a, b) => at(b).localeCompare(at(a))).slice(0, limit);
}

/** An ObjectCreated record of an existing object, in the real S3 shape, to deliver it again. */
export async function createdRecordFor(
  target: OperatorTarget,
  bucket: string,
  key: string,
): Promise<S3EventRecord> {
  const head = await target.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  const now = new Date();
  return {
    eventVersion: "2.1",
    eventSource: "aws:s3",
    awsRegion: target.region,
    eventTime: now.toISOString(),
    eventName: "ObjectCreated:Put",
    userIdentity: { principalId: "etl-replay" },
    requestParameters: { sourceIPAddress: "127.0.0.1" },
    responseElements: { "x-amz-request-id": `replay-${now.getTime()}` },
    s3: {
      s3SchemaVersion: "1.0",
      configurationId: "etl-replay",
      bucket: { name: bucket, ownerIdentity: { principalId: "etl-replay" }, arn: `arn:aws:s3:::${bucket}` },
      object: {
        key: encodeS3EventKey(key),
        size: Number(head.ContentLength ?? 0),
        eTag: String(head.ETag ?? "").replace(/"/g, ""),
        sequencer: now.getTime().toString(16).toUpperCase().padStart(18, "0"),
      },
    },
  };
}

/** Sends a replayed notification to a real queue (AWS). */
export async function sendToQueue(
  target: OperatorTarget,
  queueUrl: string,
  body: string,
  groupId?: string,
): Promise<void> {
  const sqs = new SQSClient({ region: target.region });
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: body,
      ...(groupId ? { MessageGroupId: groupId, MessageDeduplicationId: `replay-${Date.now()}` } : {}),
    }),
  );
}

/**
 * What ingest saw the source gain (columns kept in the raw files but ignored, tables not read),
 * from the state table. A dropped or retyped column is a failed run, recorded as a failure.
 */
export async function schemaDriftRecords(target: OperatorTarget): Promise<SchemaDriftRecord[]> {
  const state = createDynamoStateStore({ client: target.dynamoClient, table: target.env.STATE_TABLE ?? "" });
  return (await state.listRecords(SCHEMA_DRIFT_NAMESPACE)).flatMap((r) => {
    const parsed = SchemaDriftRecordSchema.safeParse(r.data);
    return parsed.success ? [parsed.data] : [];
  });
}
