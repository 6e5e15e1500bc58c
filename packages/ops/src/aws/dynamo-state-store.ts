import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateQuery,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { DataError } from "@etl/schemas";
import { WatermarkConflictError } from "../errors";
import type { PutRecordOptions, StateStore, StoredRecord, WatermarkUpdate } from "../ports";
import { awsErrorName, toOpsError } from "./map-aws-error";

export interface DynamoStateStoreOptions {
  client: DynamoDBClient;
  table: string;
  clock?: () => Date;
}

/**
 * Where things live in the state table (string `pk` and `sk`, like every table here):
 * counters at `sequence` / name, all watermarks in one item `watermarks` / `current` (one
 * attribute `wm:<name>` each, so a single conditional write moves them together), and records at
 * `record#<namespace>` / id.
 */
export const STATE_KEYS = {
  sequence: (name: string) => ({ pk: "sequence", sk: name }),
  watermarks: { pk: "watermarks", sk: "current" },
  record: (namespace: string, id: string) => ({ pk: `record#${namespace}`, sk: id }),
  watermarkAttribute: (name: string) => `wm:${name}`,
} as const;

const isConditionFailure = (error: unknown) => awsErrorName(error) === "ConditionalCheckFailedException";

function toStoredRecord(namespace: string, item: Record<string, unknown>): StoredRecord {
  const record: StoredRecord = {
    namespace,
    id: String(item.sk),
    data: (item.data ?? {}) as Record<string, unknown>,
    updatedAt: String(item.updatedAt),
  };
  if (typeof item.expiresAt === "number") record.expiresAt = item.expiresAt;
  return record;
}

/** The condition of a conditional `putRecord`: absent, or its `data` fields holding values. */
function recordCondition(options: PutRecordOptions) {
  const conditions: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  if (options.ifAbsent) conditions.push("attribute_not_exists(pk)");
  if (options.ifData) {
    conditions.push("attribute_exists(pk)");
    names["#data"] = "data";
    Object.entries(options.ifData).forEach(([field, value], i) => {
      names[`#f${i}`] = field;
      if (value === null) conditions.push(`attribute_not_exists(#data.#f${i})`);
      else {
        values[`:v${i}`] = value;
        conditions.push(`#data.#f${i} = :v${i}`);
      }
    });
  }
  if (conditions.length === 0) return {};
  return {
    ConditionExpression: conditions.join(" AND "),
    ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
    ...(Object.keys(values).length > 0 ? { ExpressionAttributeValues: values } : {}),
  };
}

/**
 * The state store on DynamoDB.
 *
 * Watermarks: every watermark sits in one item and `advanceWatermarks` is one `UpdateItem` whose
 * condition requires each watermark to still hold its `from` value (`attribute_not_exists` for
 * null). That is as atomic as `TransactWriteItems` and works on the local DynamoDB-compatible
 * server too, which has no transactions. A refused condition is a `WatermarkConflictError`.
 *
 * @example
 * const state = createDynamoStateStore({ client, table: config.STATE_TABLE });
 * const sequence = await state.nextSequence("ingest");
 * await state.advanceWatermarks([{ name: "address", from: null, to: "2024-11-05 10:11:12.123456" }], runId);
 */
export function createDynamoStateStore(options: DynamoStateStoreOptions): StateStore {
  const { table } = options;
  const doc = DynamoDBDocumentClient.from(options.client, {
    marshallOptions: { removeUndefinedValues: true },
  });
  const clock = options.clock ?? (() => new Date());

  const send = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (error) {
      throw toOpsError(error, `${what} ${table}`);
    }
  };

  const readWatermarks = async (names: readonly string[]) => {
    const out = await send("GetItem", () =>
      doc.send(new GetCommand({ TableName: table, Key: STATE_KEYS.watermarks, ConsistentRead: true })),
    );
    const result: Record<string, string | null> = {};
    for (const name of names) {
      const value = out.Item?.[STATE_KEYS.watermarkAttribute(name)];
      result[name] = typeof value === "string" ? value : null;
    }
    return result;
  };

  return {
    async nextSequence(name) {
      const out = await send("UpdateItem", () =>
        doc.send(
          new UpdateCommand({
            TableName: table,
            Key: STATE_KEYS.sequence(name),
            UpdateExpression: "ADD #value :one SET #updatedAt = :now",
            ExpressionAttributeNames: { "#value": "value", "#updatedAt": "updatedAt" },
            ExpressionAttributeValues: { ":one": 1, ":now": clock().toISOString() },
            ReturnValues: "UPDATED_NEW",
          }),
        ),
      );
      const value = out.Attributes?.value;
      if (typeof value !== "number") throw new DataError(`sequence ${name} in ${table} is not a number`);
      return value;
    },

    getWatermarks: readWatermarks,

    async advanceWatermarks(updates: readonly WatermarkUpdate[], runId: string) {
      if (updates.length === 0) return;
      const names = new Set(updates.map((u) => u.name));
      if (names.size !== updates.length) throw new DataError(`run ${runId}: a watermark is listed twice`);
      const attributeNames: Record<string, string> = {
        "#version": "version",
        "#lastRunId": "lastRunId",
        "#updatedAt": "updatedAt",
      };
      const values: Record<string, unknown> = { ":one": 1, ":run": runId, ":now": clock().toISOString() };
      const sets = ["#lastRunId = :run", "#updatedAt = :now"];
      const conditions: string[] = [];
      updates.forEach((update, i) => {
        attributeNames[`#w${i}`] = STATE_KEYS.watermarkAttribute(update.name);
        values[`:to${i}`] = update.to;
        sets.push(`#w${i} = :to${i}`);
        if (update.from === null) {
          conditions.push(`attribute_not_exists(#w${i})`);
        } else {
          values[`:from${i}`] = update.from;
          conditions.push(`#w${i} = :from${i}`);
        }
      });
      try {
        await doc.send(
          new UpdateCommand({
            TableName: table,
            Key: STATE_KEYS.watermarks,
            UpdateExpression: `SET ${sets.join(", ")} ADD #version :one`,
            ConditionExpression: conditions.join(" AND "),
            ExpressionAttributeNames: attributeNames,
            ExpressionAttributeValues: values,
          }),
        );
      } catch (error) {
        if (!isConditionFailure(error)) throw toOpsError(error, `UpdateItem ${table}`);
        const current = await readWatermarks(updates.map((u) => u.name));
        const conflicts = updates
          .filter((u) => current[u.name] !== u.from)
          .map((u) => ({ name: u.name, expected: u.from, actual: current[u.name] ?? null }));
        throw new WatermarkConflictError(runId, conflicts, { cause: error });
      }
    },

    async putRecord(namespace, id, data, putOptions: PutRecordOptions = {}) {
      const now = clock();
      const item: Record<string, unknown> = {
        ...STATE_KEYS.record(namespace, id),
        data,
        updatedAt: now.toISOString(),
      };
      if (putOptions.ttlSeconds !== undefined)
        item.expiresAt = Math.floor(now.getTime() / 1000) + Math.round(putOptions.ttlSeconds);
      const conditional = putOptions.ifAbsent === true || putOptions.ifData !== undefined;
      try {
        await doc.send(new PutCommand({ TableName: table, Item: item, ...recordCondition(putOptions) }));
        return true;
      } catch (error) {
        if (conditional && isConditionFailure(error)) return false;
        throw toOpsError(error, `PutItem ${table}`);
      }
    },

    async getRecord(namespace, id) {
      const out = await send("GetItem", () =>
        doc.send(
          new GetCommand({ TableName: table, Key: STATE_KEYS.record(namespace, id), ConsistentRead: true }),
        ),
      );
      return out.Item ? toStoredRecord(namespace, out.Item) : undefined;
    },

    async deleteRecord(namespace, id) {
      const out = await send("DeleteItem", () =>
        doc.send(
          new DeleteCommand({
            TableName: table,
            Key: STATE_KEYS.record(namespace, id),
            ReturnValues: "ALL_OLD",
          }),
        ),
      );
      return out.Attributes !== undefined;
    },

    async listRecords(namespace, prefix = "") {
      const { pk } = STATE_KEYS.record(namespace, "");
      const records: StoredRecord[] = [];
      const pages = paginateQuery(
        { client: doc },
        {
          TableName: table,
          ConsistentRead: true,
          KeyConditionExpression: prefix === "" ? "pk = :pk" : "pk = :pk AND begins_with(sk, :prefix)",
          ExpressionAttributeValues: prefix === "" ? { ":pk": pk } : { ":pk": pk, ":prefix": prefix },
        },
      );
      await send("Query", async () => {
        for await (const page of pages) {
          for (const item of page.Items ?? []) records.push(toStoredRecord(namespace, item));
        }
      });
      return records;
    },
  };
}
