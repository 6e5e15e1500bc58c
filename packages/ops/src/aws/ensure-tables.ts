import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import { TransientError } from "@etl/schemas";
import { awsErrorName, toOpsError } from "./map-aws-error";

export interface OpsTableNames {
  audit: string;
  failure: string;
  state: string;
}

/** The TTL attribute of every ops table (epoch seconds). */
export const TTL_ATTRIBUTE = "expiresAt";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function status(client: DynamoDBClient, table: string): Promise<string | undefined> {
  try {
    const out = await client.send(new DescribeTableCommand({ TableName: table }));
    return out.Table?.TableStatus ?? "ACTIVE";
  } catch (error) {
    if (awsErrorName(error) === "ResourceNotFoundException") return undefined;
    throw toOpsError(error, `DescribeTable ${table}`);
  }
}

async function ensureTable(client: DynamoDBClient, table: string): Promise<void> {
  if ((await status(client, table)) === undefined) {
    try {
      await client.send(
        new CreateTableCommand({
          TableName: table,
          BillingMode: "PAY_PER_REQUEST",
          AttributeDefinitions: [
            { AttributeName: "pk", AttributeType: "S" },
            { AttributeName: "sk", AttributeType: "S" },
          ],
          KeySchema: [
            { AttributeName: "pk", KeyType: "HASH" },
            { AttributeName: "sk", KeyType: "RANGE" },
          ],
        }),
      );
    } catch (error) {
      // Someone else created it meanwhile: fine.
      if (awsErrorName(error) !== "ResourceInUseException") throw toOpsError(error, `CreateTable ${table}`);
    }
  }
  for (let i = 0; i < 120; i++) {
    if ((await status(client, table)) === "ACTIVE") return ensureTtl(client, table);
    await sleep(500);
  }
  throw new TransientError(`table ${table} did not become ACTIVE within a minute`);
}

async function ensureTtl(client: DynamoDBClient, table: string): Promise<void> {
  try {
    const out = await client.send(new DescribeTimeToLiveCommand({ TableName: table }));
    const ttl = out.TimeToLiveDescription;
    if (ttl?.TimeToLiveStatus === "ENABLED" || ttl?.TimeToLiveStatus === "ENABLING") return;
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: table,
        TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
      }),
    );
  } catch (error) {
    // The local DynamoDB-compatible server has no TTL: items simply do not expire there.
    if (awsErrorName(error) === "UnknownOperationException") return;
    throw toOpsError(error, `UpdateTimeToLive ${table}`);
  }
}

/**
 * Creates the audit, failure and state tables when missing (on-demand capacity, string `pk` and
 * `sk`, TTL on `expiresAt`) and waits until they are active. For local runs and tests: on AWS
 * the stateful stack owns these tables.
 */
export async function ensureTables(client: DynamoDBClient, tables: OpsTableNames): Promise<void> {
  const names = [...new Set([tables.audit, tables.failure, tables.state])];
  await Promise.all(names.map((table) => ensureTable(client, table)));
}
