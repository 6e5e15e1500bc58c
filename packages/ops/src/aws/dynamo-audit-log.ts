import { randomUUID } from "node:crypto";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { BatchWriteCommand, DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import { TransientError } from "@etl/schemas";
import type { AuditItem, AuditLog } from "../ports";
import { DEFAULT_AUDIT_TTL_DAYS, toAuditRecord, toFailureRecord } from "../records";
import { createBackoff, type RetryOptions } from "./backoff";
import { toOpsError } from "./map-aws-error";

export interface DynamoAuditLogOptions {
  client: DynamoDBClient;
  auditTable: string;
  failureTable: string;
  clock?: () => Date;
  /** Days until an audit item expires (TTL attribute `expiresAt`); default 400. */
  auditTtlDays?: number;
  /** Days until a failure item expires; default none: failures stay until someone removes them. */
  failureTtlDays?: number;
  /** Retry of `UnprocessedItems` (default 8 attempts, 50 ms doubling to 5 s, full jitter). */
  retry?: RetryOptions;
  /** The random part of failure sort keys (tests fix it). */
  randomSuffix?: () => string;
}

/** BatchWriteItem takes at most 25 items. */
export const BATCH_SIZE = 25;

type WriteRequest = { PutRequest: { Item: Record<string, unknown> } };

/**
 * The audit log on DynamoDB. Audit items (`pk = stage#runId`, `sk = auditSortKey(key, attempt)`) go in
 * `BatchWriteItem` chunks of 25; `UnprocessedItems` are retried with exponential backoff and
 * jitter, and still unprocessed after the last attempt they fail the call with a TransientError.
 * A later record of the same key and attempt replaces the earlier one (status updates). Failure
 * items (`pk = stage#runId`, `sk = isoTime#random`) go one `PutItem` each, with SQL redacted.
 *
 * @example
 * const audit = createDynamoAuditLog({ client, auditTable: config.AUDIT_TABLE, failureTable: config.FAILURE_TABLE });
 * await audit.record([{ stage: "load", runId, key, attempt, status: "FINISHED", rows }]);
 */
export function createDynamoAuditLog(options: DynamoAuditLogOptions): AuditLog {
  const doc = DynamoDBDocumentClient.from(options.client, {
    marshallOptions: { removeUndefinedValues: true },
  });
  const clock = options.clock ?? (() => new Date());
  const backoff = createBackoff(options.retry);
  const auditTtlDays = options.auditTtlDays ?? DEFAULT_AUDIT_TTL_DAYS;
  const randomSuffix = options.randomSuffix ?? (() => randomUUID().slice(0, 8));
  const table = options.auditTable;

  const writeChunk = async (requests: WriteRequest[]) => {
    let pending = requests;
    for (let attempt = 1; ; attempt++) {
      let unprocessed: WriteRequest[];
      try {
        const out = await doc.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
        unprocessed = (out.UnprocessedItems?.[table] ?? []) as WriteRequest[];
      } catch (error) {
        throw toOpsError(error, `BatchWriteItem ${table}`);
      }
      if (unprocessed.length === 0) return;
      if (attempt >= backoff.maxAttempts) {
        throw new TransientError(
          `BatchWriteItem ${table}: ${unprocessed.length} of ${requests.length} audit items still unprocessed after ${attempt} attempts`,
          { code: "UNPROCESSED_ITEMS" },
        );
      }
      pending = unprocessed;
      await backoff.wait(attempt);
    }
  };

  return {
    async record(items: AuditItem[]) {
      const now = clock();
      // One request per key: BatchWriteItem refuses duplicates, and the last record wins anyway.
      const byKey = new Map<string, WriteRequest>();
      for (const item of items) {
        const record = toAuditRecord(item, { now, ttlDays: auditTtlDays });
        byKey.set(`${record.pk}\u0000${record.sk}`, { PutRequest: { Item: { ...record } } });
      }
      const requests = [...byKey.values()];
      for (let i = 0; i < requests.length; i += BATCH_SIZE)
        await writeChunk(requests.slice(i, i + BATCH_SIZE));
    },

    async recordFailure(failure) {
      const record = toFailureRecord(failure, {
        now: clock(),
        suffix: randomSuffix(),
        ...(options.failureTtlDays === undefined ? {} : { ttlDays: options.failureTtlDays }),
      });
      try {
        await doc.send(new PutCommand({ TableName: options.failureTable, Item: { ...record } }));
      } catch (error) {
        throw toOpsError(error, `PutItem ${options.failureTable}`);
      }
    },
  };
}
