import { randomUUID } from "node:crypto";
import { DescribeTableCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { localDynamoClient } from "@etl/local-cloud/testing";
import { TransientError } from "@etl/schemas";
import { describe, expect, it } from "vitest";
import { createDynamoAuditLog, createDynamoStateStore, ensureTables } from "../../src/aws";
import type { AuditItem } from "../../src/ports";
import { stateStoreContract } from "../state-store-contract";

const names = () => {
  const id = randomUUID().slice(0, 8);
  return { audit: `audit-${id}`, failure: `failure-${id}`, state: `state-${id}` };
};

async function freshTables(client: DynamoDBClient = localDynamoClient()) {
  const tables = names();
  await ensureTables(client, tables);
  return tables;
}

async function query(client: DynamoDBClient, table: string, pk: string): Promise<Record<string, unknown>[]> {
  const doc = DynamoDBDocumentClient.from(client);
  const out = await doc.send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": pk },
      ConsistentRead: true,
    }),
  );
  return out.Items ?? [];
}

/** Counts the BatchWriteItem requests a client sends, and how many items each carried. */
function countBatches(client: DynamoDBClient): number[] {
  const sizes: number[] = [];
  client.middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as { RequestItems?: Record<string, unknown[]> };
      if (input.RequestItems) sizes.push(Object.values(input.RequestItems)[0]?.length ?? 0);
      return next(args);
    },
    { step: "initialize", name: "countBatches" },
  );
  return sizes;
}

/**
 * Makes the server look overloaded: for the first `times` batches, only the first half of the
 * items is written and the rest comes back as UnprocessedItems, as DynamoDB does when throttled.
 */
function leaveHalfUnprocessed(client: DynamoDBClient, times: number): void {
  let left = times;
  client.middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as { RequestItems?: Record<string, unknown[]> };
      const [table, requests] = Object.entries(input.RequestItems ?? {})[0] ?? [];
      if (!table || !requests || left <= 0 || requests.length < 2) return next(args);
      left -= 1;
      const half = Math.floor(requests.length / 2);
      const result = await next({
        ...args,
        input: { ...input, RequestItems: { [table]: requests.slice(0, half) } },
      });
      Object.assign(result.output, { UnprocessedItems: { [table]: requests.slice(half) } });
      return result;
    },
    { step: "initialize", name: "leaveHalfUnprocessed" },
  );
}

const item = (i: number): AuditItem => ({
  stage: "load",
  runId: "20261123T141500123Z-00000042",
  key: `star/fact_sales_order/2026/11/23/part-${String(i).padStart(4, "0")}.parquet`,
  attempt: "2026-11-23T14:15:00.000Z",
  status: "FINISHED",
  table: "fact_sales_order",
  bucket: "processed",
  size: 1000 + i,
  etag: `etag-${i}`,
  rows: i,
  durationMs: 12,
});

const now = new Date("2026-11-23T14:16:00.000Z");

describe("ensureTables", () => {
  it("creates the three tables with pk and sk, and is idempotent", async () => {
    const client = localDynamoClient();
    const tables = names();

    await ensureTables(client, tables);
    await ensureTables(client, tables);

    for (const table of Object.values(tables)) {
      const described = await client.send(new DescribeTableCommand({ TableName: table }));
      expect(described.Table?.KeySchema).toEqual([
        { AttributeName: "pk", KeyType: "HASH" },
        { AttributeName: "sk", KeyType: "RANGE" },
      ]);
      expect(described.Table?.TableStatus).toBe("ACTIVE");
    }
  });
});

describe("createDynamoAuditLog on the local DynamoDB server", () => {
  it("writes 60 audit items in chunks of 25 and every one arrives", async () => {
    const client = localDynamoClient();
    const tables = await freshTables(client);
    const batches = countBatches(client);
    const audit = createDynamoAuditLog({
      client,
      auditTable: tables.audit,
      failureTable: tables.failure,
      clock: () => now,
    });

    await audit.record(Array.from({ length: 60 }, (_, i) => item(i + 1)));

    const stored = await query(client, tables.audit, "load#20261123T141500123Z-00000042");
    expect(batches).toEqual([25, 25, 10]);
    expect(stored).toHaveLength(60);
    expect(stored.find((s) => s.rows === 7)).toEqual({
      pk: "load#20261123T141500123Z-00000042",
      sk: "star/fact_sales_order/2026/11/23/part-0007.parquet#2026-11-23T14:15:00.000Z",
      ...item(7),
      recordedAt: "2026-11-23T14:16:00.000Z",
      expiresAt: Math.floor(now.getTime() / 1000) + 400 * 86_400,
    });
  });

  it("retries UnprocessedItems with backoff until all are written", async () => {
    const client = localDynamoClient();
    const tables = await freshTables(client);
    const batches = countBatches(client);
    leaveHalfUnprocessed(client, 3);
    const waits: number[] = [];
    const audit = createDynamoAuditLog({
      client,
      auditTable: tables.audit,
      failureTable: tables.failure,
      retry: { random: () => 1, sleep: async (ms) => void waits.push(ms) },
    });

    await audit.record(Array.from({ length: 30 }, (_, i) => item(i + 1)));

    const stored = await query(client, tables.audit, "load#20261123T141500123Z-00000042");
    expect(stored.map((s) => s.rows).sort((a, b) => Number(a) - Number(b))).toEqual(
      Array.from({ length: 30 }, (_, i) => i + 1),
    );
    expect(batches).toEqual([25, 13, 7, 4, 5]);
    expect(waits).toEqual([50, 100, 200]);
  });

  it("gives up with a TransientError after the last attempt", async () => {
    const client = localDynamoClient();
    const tables = await freshTables(client);
    leaveHalfUnprocessed(client, 100);
    const audit = createDynamoAuditLog({
      client,
      auditTable: tables.audit,
      failureTable: tables.failure,
      retry: { maxAttempts: 3, sleep: async () => {} },
    });

    const record = audit.record(Array.from({ length: 8 }, (_, i) => item(i + 1)));

    await expect(record).rejects.toBeInstanceOf(TransientError);
    await expect(record).rejects.toThrow(
      `BatchWriteItem ${tables.audit}: 1 of 8 audit items still unprocessed after 3 attempts`,
    );
  });

  it("replaces an item recorded again for the same key and attempt", async () => {
    const client = localDynamoClient();
    const tables = await freshTables(client);
    const audit = createDynamoAuditLog({ client, auditTable: tables.audit, failureTable: tables.failure });

    await audit.record([
      { ...item(1), status: "STARTED" },
      { ...item(1), status: "HANDED_OFF" },
    ]);
    await audit.record([{ ...item(1), status: "FINISHED", statementId: "s-1" }]);

    const stored = await query(client, tables.audit, "load#20261123T141500123Z-00000042");
    expect(stored.map((s) => [s.status, s.statementId])).toEqual([["FINISHED", "s-1"]]);
  });

  it("audits an object whose key has the 1,024 bytes S3 allows (DynamoDB caps sort keys there)", async () => {
    const client = localDynamoClient();
    const tables = await freshTables(client);
    const audit = createDynamoAuditLog({ client, auditTable: tables.audit, failureTable: tables.failure });
    const key = `landing/${"dir-é/".repeat(145)}${"x".repeat(1024 - 8 - 7 * 145)}`;
    expect(Buffer.byteLength(key)).toBe(1024);

    await audit.record([
      { ...item(1), key },
      { ...item(2), key: `${key.slice(0, -1)}y` },
    ]);

    const stored = await query(client, tables.audit, "load#20261123T141500123Z-00000042");
    expect(stored.map((s) => s.key).sort()).toEqual([key, `${key.slice(0, -1)}y`]);
    for (const s of stored) expect(Buffer.byteLength(String(s.sk))).toBeLessThanOrEqual(1024);
  });

  it("writes a failure item with its SQL redacted", async () => {
    const client = localDynamoClient();
    const tables = await freshTables(client);
    const audit = createDynamoAuditLog({
      client,
      auditTable: tables.audit,
      failureTable: tables.failure,
      clock: () => now,
      randomSuffix: () => "r4nd0m00",
    });

    await audit.recordFailure({
      stage: "load",
      runId: "R1",
      error: "COPY failed: invalid date",
      retryable: false,
      table: "fact_sales_order",
      key: "star/fact_sales_order/a.parquet",
      sql: "COPY staging.fact_sales_order FROM 's3://b/k' CREDENTIALS 'aws_access_key_id=AKIA;aws_secret_access_key=wJal' FORMAT AS PARQUET",
      details: { loadErrors: [{ line: 3, colname: "created_date" }] },
    });

    expect(await query(client, tables.failure, "load#R1")).toEqual([
      {
        pk: "load#R1",
        sk: "2026-11-23T14:16:00.000Z#r4nd0m00",
        at: "2026-11-23T14:16:00.000Z",
        stage: "load",
        runId: "R1",
        error: "COPY failed: invalid date",
        retryable: false,
        table: "fact_sales_order",
        key: "star/fact_sales_order/a.parquet",
        sql: "COPY staging.fact_sales_order FROM 's3://b/k' CREDENTIALS 'aws_access_key_id=***;aws_secret_access_key=***' FORMAT AS PARQUET",
        details: { loadErrors: [{ line: 3, colname: "created_date" }] },
      },
    ]);
  });

  it("fails with a non-retryable error naming the table when it does not exist", async () => {
    const client = localDynamoClient();
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

stateStoreContract("DynamoDB", async () => {
  const client = localDynamoClient();
  const tables = await freshTables(client);
  return createDynamoStateStore({ client, table: tables.state });
});

describe("createDynamoStateStore layout", () => {
  it("keeps every watermark in one item, with the run that moved them last", async () => {
    const client = localDynamoClient();
    const tables = await freshTables(client);
    const store = createDynamoStateStore({ client, table: tables.state, clock: () => now });

    await store.advanceWatermarks(
      [{ name: "address", from: null, to: "2024-11-05 10:11:12.123456" }],
      "run-1",
    );
    await store.advanceWatermarks([{ name: "staff", from: null, to: "2024-11-05 09:00:00" }], "run-2");

    expect(await query(client, tables.state, "watermarks")).toEqual([
      {
        pk: "watermarks",
        sk: "current",
        "wm:address": "2024-11-05 10:11:12.123456",
        "wm:staff": "2024-11-05 09:00:00",
        lastRunId: "run-2",
        updatedAt: "2026-11-23T14:16:00.000Z",
        version: 2,
      },
    ]);
  });
});
