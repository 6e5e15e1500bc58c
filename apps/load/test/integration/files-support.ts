import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { createFileRulesRepository, type FileRulesRepository } from "@etl/db/rules";
import { parseRulesDocument } from "@etl/db/rules-file";
import {
  freshBucket,
  freshDatabase,
  localDynamoClient,
  localS3Client,
  localS3Server,
} from "@etl/local-cloud/testing";
import { createDynamoAuditLog, createDynamoStateStore, ensureTables } from "@etl/ops/aws";
import { createFileAlerter } from "@etl/ops/local";
import { createS3ObjectStore } from "@etl/s3-io/aws";
import pg from "pg";
import { type FileLoadDeps, type FileLoadOutcome, runFileLoad } from "../../src/files/run-file-load";
import type { LandedObject } from "../../src/files/steps/landed-objects";
import { createPostgresFileWarehouse } from "../../src/files/steps/postgres-file-warehouse";
import { createFileStatusEvents, type FileStatusEvent } from "../../src/files/steps/status-events";

/** A fixture file's bytes. */
export function fixture(name: string): Buffer {
  return readFileSync(new URL(`../fixtures/files/${name}`, import.meta.url));
}

/** The target tables of the tests, and the follow-up procedures. */
const WAREHOUSE_DDL = [
  "create schema landed",
  `create table landed.orders (
     order_id integer primary key,
     customer text not null,
     amount numeric(10,2),
     sold_at timestamp
   )`,
  "create table landed.notes (order_id integer not null, note text)",
  "create table landed.follow_up_log (orders integer not null, at timestamptz not null default now())",
  "create procedure landed.after_orders() language sql as $$ insert into landed.follow_up_log (orders) select count(*) from landed.orders $$",
  "create procedure landed.refuse() language plpgsql as $$ begin raise exception 'the follow-up refused'; end $$",
];

const readLines = <T>(path: string): T[] => {
  try {
    return readFileSync(path, "utf8")
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => JSON.parse(l) as T);
  } catch {
    return [];
  }
};

export interface FilesWorld {
  deps: FileLoadDeps;
  bucket: string;
  warehouseUrl: string;
  db: pg.Pool;
  rules: FileRulesRepository;
  /** Every SQL text the warehouse connections were sent, in order. */
  sql: string[];
  /** Puts the body under `key` and returns the object as its event would announce it. */
  land(key: string, body: Buffer | string): Promise<LandedObject>;
  /** Lands and loads. */
  load(key: string, body: Buffer | string): Promise<FileLoadOutcome>;
  keys(prefix?: string): Promise<string[]>;
  text(key: string): Promise<string>;
  rows<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  alerts(): { subject: string; message: Record<string, unknown> }[];
  events(): FileStatusEvent[];
  audit(runId: string): Promise<Record<string, unknown>[]>;
  failures(runId: string): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

/**
 * A fresh landing bucket, warehouse database (rules table, ledger, target tables), DynamoDB
 * tables, alert and event files, and the use case's deps on them, with the rules of
 * `fixtures/files/rules.yaml`.
 */
export async function createFilesWorld(options: { followUps?: string[] } = {}): Promise<FilesWorld> {
  const s3 = localS3Client();
  const dynamo = localDynamoClient();
  const doc = DynamoDBDocumentClient.from(dynamo);
  const suffix = randomUUID().slice(0, 8);
  const tables = { audit: `audit-${suffix}`, failure: `failures-${suffix}`, state: `state-${suffix}` };
  const [bucket, warehouseUrl] = await Promise.all([
    freshBucket(s3, "landing"),
    freshDatabase("files"),
    ensureTables(dynamo, tables),
  ]);
  const db = new pg.Pool({ connectionString: warehouseUrl, max: 3 });
  for (const statement of WAREHOUSE_DDL) await db.query(statement);
  const rules = createFileRulesRepository(db);
  await rules.ensureTable();
  for (const rule of parseRulesDocument(fixture("rules.yaml").toString("utf8"), "rules.yaml"))
    await rules.upsert(rule);

  const dir = mkdtempSync(join(tmpdir(), "etl-files-"));
  const alertFile = join(dir, "alerts.jsonl");
  const eventsFile = join(dir, "file-events.jsonl");
  const store = createS3ObjectStore(s3, { localServer: localS3Server() });
  const sql: string[] = [];
  const deps: FileLoadDeps = {
    store,
    bucket,
    rules,
    warehouse: createPostgresFileWarehouse({
      store,
      controlSchema: "etl",
      async connect() {
        const client = new pg.Client({ connectionString: warehouseUrl });
        await client.connect();
        const query = client.query.bind(client) as (...args: unknown[]) => unknown;
        // Records the text of every statement (plain or a COPY stream) before sending it.
        (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
          const [first] = args;
          sql.push(typeof first === "string" ? first : String((first as { text?: unknown }).text ?? ""));
          return query(...args);
        };
        return client;
      },
    }),
    state: createDynamoStateStore({ client: dynamo, table: tables.state }),
    audit: createDynamoAuditLog({ client: dynamo, auditTable: tables.audit, failureTable: tables.failure }),
    alerter: createFileAlerter(alertFile, { print: () => undefined }),
    events: createFileStatusEvents(eventsFile),
    clock: () => new Date(),
    followUps: options.followUps ?? ["landed.after_orders", "landed.refuse"],
    ledgerSchema: "etl",
  };
  const land = async (key: string, body: Buffer | string): Promise<LandedObject> => {
    const info = await store.put(bucket, key, body);
    return {
      bucket,
      key,
      size: info.size,
      ...(info.etag ? { etag: info.etag } : {}),
      sequencer: randomUUID(),
    };
  };
  const query = async (table: string, runId: string) => {
    const out = await doc.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": `files#${runId}` },
      }),
    );
    return (out.Items ?? []) as Record<string, unknown>[];
  };
  return {
    deps,
    bucket,
    warehouseUrl,
    db,
    rules,
    sql,
    land,
    load: async (key, body) => runFileLoad(await land(key, body), deps),
    async keys(prefix = "") {
      const found: string[] = [];
      for await (const object of store.list(bucket, prefix)) found.push(object.key);
      return found;
    },
    async text(key) {
      return Buffer.from(await store.get(bucket, key)).toString("utf8");
    },
    async rows<T>(text: string) {
      return (await db.query(text)).rows as T[];
    },
    alerts: () => readLines(alertFile),
    events: () => readLines(eventsFile),
    audit: (runId) => query(tables.audit, runId),
    failures: (runId) => query(tables.failure, runId),
    async close() {
      await db.end();
      doc.destroy();
    },
  };
}
