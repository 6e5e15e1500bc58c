import { randomUUID } from "node:crypto";
import { DescribeTimeToLiveCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { type MotoServer, startMoto } from "@etl/local-cloud/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDynamoAuditLog, createDynamoStateStore, ensureTables, TTL_ATTRIBUTE } from "../../src/aws";
import { WatermarkConflictError } from "../../src/errors";
import type { AuditItem } from "../../src/ports";
import { stateStoreContract } from "../state-store-contract";

// The DynamoDB adapters against moto's DynamoDB: a second implementation of the API besides the
// local dynalite, with TTL and AWS's own condition-expression checks.
let moto: MotoServer;
let client: DynamoDBClient;

beforeAll(async () => {
  moto = await startMoto();
  client = new DynamoDBClient({
    region: moto.region,
    endpoint: moto.endpoint,
    credentials: moto.credentials,
  });
});

afterAll(async () => {
  client?.destroy();
  await moto?.stop();
});

async function freshTables() {
  const id = randomUUID().slice(0, 8);
  const tables = { audit: `audit-${id}`, failure: `failure-${id}`, state: `state-${id}` };
  await ensureTables(client, tables);
  return tables;
}

const item = (i: number): AuditItem => ({
  stage: "load",
  runId: "20261123T141500123Z-00000042",
  key: `star/fact_sales_order/2026/11/23/part-${String(i).padStart(4, "0")}.parquet`,
  attempt: "2026-11-23T14:15:00.000Z",
  status: "FINISHED",
  table: "fact_sales_order",
  rows: i,
});

describe("ensureTables on moto", () => {
  it("creates the tables with TTL enabled on expiresAt", async () => {
    const tables = await freshTables();

    for (const table of Object.values(tables)) {
      const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: table }));
      expect(ttl.TimeToLiveDescription).toEqual({
        TimeToLiveStatus: "ENABLED",
        AttributeName: TTL_ATTRIBUTE,
      });
    }
  });
});

describe("createDynamoAuditLog on moto", () => {
  it("batch-writes 60 audit items in chunks of 25 and every one arrives", async () => {
    const tables = await freshTables();
    const sizes: number[] = [];
    const counted = new DynamoDBClient({
      region: moto.region,
      endpoint: moto.endpoint,
      credentials: moto.credentials,
    });
    counted.middlewareStack.add(
      (next) => async (args) => {
        const input = args.input as { RequestItems?: Record<string, unknown[]> };
        if (input.RequestItems) sizes.push(Object.values(input.RequestItems)[0]?.length ?? 0);
        return next(args);
      },
      { step: "initialize" },
    );
    const audit = createDynamoAuditLog({
      client: counted,
      auditTable: tables.audit,
      failureTable: tables.failure,
    });

    await audit.record(Array.from({ length: 60 }, (_, i) => item(i + 1)));

    const out = await DynamoDBDocumentClient.from(client).send(
      new QueryCommand({
        TableName: tables.audit,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": "load#20261123T141500123Z-00000042" },
        ConsistentRead: true,
      }),
    );
    expect(sizes).toEqual([25, 25, 10]);
    expect((out.Items ?? []).map((i) => i.rows).sort((a, b) => Number(a) - Number(b))).toEqual(
      Array.from({ length: 60 }, (_, i) => i + 1),
    );
    counted.destroy();
  });

  it("fails with a non-retryable error naming a missing table", async () => {
    const audit = createDynamoAuditLog({
      client,
      auditTable: "no-such-audit",
      failureTable: "no-such-failure",
    });

    const record = audit.record([item(1)]);

    await expect(record).rejects.toMatchObject({ retryable: false });
    await expect(record).rejects.toThrow("BatchWriteItem no-such-audit");
  });
});

// moto's threaded server applies concurrent UpdateItem ADDs to one item without a lock, so they
// race there (DynamoDB and dynalite apply them atomically: the integration suite covers that case).
stateStoreContract(
  "DynamoDB on moto",
  async () => {
    const tables = await freshTables();
    return createDynamoStateStore({ client, table: tables.state });
  },
  { concurrentCallers: false },
);

describe("createDynamoStateStore sequences on moto", () => {
  it("counts one after another from 1", async () => {
    const tables = await freshTables();
    const store = createDynamoStateStore({ client, table: tables.state });

    const values: number[] = [];
    for (let i = 0; i < 5; i++) values.push(await store.nextSequence("ingest"));

    expect(values).toEqual([1, 2, 3, 4, 5]);
  });
});

describe("createDynamoStateStore conditional writes on moto", () => {
  it("refuses a watermark advance from a value that is no longer current", async () => {
    const tables = await freshTables();
    const store = createDynamoStateStore({ client, table: tables.state });
    await store.advanceWatermarks([{ name: "sales_order", from: null, to: "T1" }], "run-1");

    const stale = store.advanceWatermarks([{ name: "sales_order", from: null, to: "T2" }], "run-2");

    await expect(stale).rejects.toBeInstanceOf(WatermarkConflictError);
    expect(await store.getWatermarks(["sales_order"])).toEqual({ sales_order: "T1" });
  });
});
