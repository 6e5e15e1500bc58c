import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createFileRulesRepository, FileRuleSchema } from "@etl/db/rules";
import {
  cloud,
  freshBucket,
  freshDatabase,
  localDynamoClient,
  localS3Client,
  localS3Env,
  localS3Server,
} from "@etl/local-cloud/testing";
import { createDynamoStateStore, ensureTables } from "@etl/ops/aws";
import { createS3ObjectStore } from "@etl/s3-io/aws";
import pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import { CLAIM_NAMESPACE } from "../../src/files/steps/claims";
import { fileId } from "../../src/files/steps/destinations";
import { fixture } from "./files-support";

const KEY = "landing/sales/Q1 report (final)+v2.csv";
const BUSY_KEY = "landing/sales/busy.csv";
const store = createS3ObjectStore(localS3Client(), { localServer: localS3Server() });
let bucket = "";
let warehouseUrl = "";
let stateTable = "";
let eventsFile = "";
let handler: typeof import("../../src/files/handler").handler;

/** The real-shape SQS event: a test event, then the CSV's notification, pointed at this test's bucket. */
function fixtureEvent(etag: string) {
  const text = readFileSync(new URL("../fixtures/files/sqs-s3-landed-event.json", import.meta.url), "utf8")
    .replaceAll("etl-landing-example", bucket)
    .replaceAll("9b2cf535f27731c974343645a3985328", etag);
  return JSON.parse(text) as { Records: { messageId: string; body: string }[] };
}

beforeAll(async () => {
  const s3 = localS3Client();
  const dynamo = localDynamoClient();
  const suffix = randomUUID().slice(0, 8);
  const tables = { audit: `audit-${suffix}`, failure: `failures-${suffix}`, state: `state-${suffix}` };
  stateTable = tables.state;
  [bucket, warehouseUrl] = await Promise.all([
    freshBucket(s3, "landing"),
    freshDatabase("files"),
    ensureTables(dynamo, tables),
  ]);
  const db = new pg.Client({ connectionString: warehouseUrl });
  await db.connect();
  await db.query("create schema sales");
  await db.query(
    "create table sales.orders (order_id integer, customer text, amount numeric(10,2), sold_at timestamp)",
  );
  const rules = createFileRulesRepository(db);
  await rules.ensureTable();
  await rules.upsert(
    FileRuleSchema.parse({
      name: "sales",
      keyGlob: "landing/sales/*.csv",
      format: "csv",
      headerLines: 1,
      trailer: { start: 9, end: 14 },
      target: { schema: "sales", table: "orders" },
      columns: [{ name: "order_id" }, { name: "customer" }, { name: "amount" }, { name: "sold_at" }],
    }),
  );
  await db.end();
  const dir = mkdtempSync(join(tmpdir(), "etl-files-handler-"));
  eventsFile = join(dir, "file-events.jsonl");
  // The handler builds its deps from the environment once, at import, as on a cold start.
  Object.assign(process.env, {
    AWS_REGION: cloud().region,
    S3_ENDPOINT: cloud().s3Endpoint,
    ...localS3Env(),
    DYNAMODB_ENDPOINT: cloud().dynamodbEndpoint,
    LANDING_BUCKET: bucket,
    PROCESSED_BUCKET: "unused-processed",
    STATE_TABLE: tables.state,
    AUDIT_TABLE: tables.audit,
    FAILURE_TABLE: tables.failure,
    WAREHOUSE_URL: warehouseUrl,
    ALERT_FILE: join(dir, "alerts.jsonl"),
  });
  ({ handler } = await import("../../src/files/handler"));
});

describe("the landed-file handler on the local services", () => {
  it("loads the file of an S3 notification (key decoded, test event ignored) and reports retryable failures only", async () => {
    const landed = await store.put(bucket, KEY, fixture("orders.csv"));
    const busy = await store.put(bucket, BUSY_KEY, fixture("orders.csv"));
    const busyObject = { bucket, key: BUSY_KEY, etag: busy.etag ?? "", sequencer: "0055AED6DCD90281E6" };
    await createDynamoStateStore({ client: localDynamoClient(), table: stateTable }).putRecord(
      CLAIM_NAMESPACE,
      fileId(busyObject),
      { attempt: "another invocation", leaseUntil: Date.now() + 600_000 },
    );
    const event = fixtureEvent(landed.etag ?? "");
    const [first, second] = event.Records;
    if (!first || !second) throw new Error("the fixture has two records");
    const records = [
      first,
      second,
      { ...second, messageId: "m-garbage", body: "not a notification" },
      {
        ...second,
        messageId: "m-busy",
        body: second.body
          .replace("Q1+report+%28final%29%2Bv2.csv", "busy.csv")
          .replace(landed.etag ?? "", busy.etag ?? "")
          .replace("0055AED6DCD90281E5", busyObject.sequencer),
      },
    ];

    const response = await handler({ Records: records });

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: "m-busy" }] });
    const db = new pg.Client({ connectionString: warehouseUrl });
    await db.connect();
    const loaded = await db.query("select count(*)::int as n from sales.orders");
    await db.end();
    expect(loaded.rows).toEqual([{ n: 3 }]);
    const keys: string[] = [];
    for await (const object of store.list(bucket, "")) keys.push(object.key);
    expect(keys).toEqual([
      expect.stringMatching(/^archive\/sales\/\d{4}\/\d{2}\/\d{2}\/Q1 report \(final\)\+v2\.csv$/),
      BUSY_KEY,
    ]);
    const events = readFileSync(eventsFile, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(events).toMatchObject([{ detail: { status: "FINISHED", key: KEY, rows: 3 } }]);
  });
});
