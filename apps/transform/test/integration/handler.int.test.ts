import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  cloud,
  freshBucket,
  localDynamoClient,
  localS3Client,
  localS3Env,
  localS3Server,
} from "@etl/local-cloud/testing";
import { ensureTables } from "@etl/ops/aws";
import { createS3ObjectStore } from "@etl/s3-io/aws";
import { beforeAll, describe, expect, it } from "vitest";
import { readProcessedManifest } from "../../src/steps/run-manifests";
import { asRawTables, makeDataset } from "../support/dataset";
import { writeRawRun } from "../support/raw-run";

const RUN_1 = "20240101T000000000Z-00000001";
const RUN_2 = "20240101T001500000Z-00000002";
const store = createS3ObjectStore(localS3Client(), { localServer: localS3Server() });
let ingest = "";
let processed = "";
let handler: typeof import("../../src/handler").handler;

/** The real-shape fixture (S3 notifications in SQS records) pointed at this test's bucket. */
function fixtureEvent(): { Records: { messageId: string; body: string }[] } {
  const text = readFileSync(new URL("../fixtures/sqs-s3-manifest-event.json", import.meta.url), "utf8");
  return JSON.parse(text.replaceAll("etl-ingest-example", ingest));
}

function eventFor(runId: string) {
  const event = fixtureEvent();
  const [first] = event.Records;
  if (!first) throw new Error("fixture has no records");
  return { Records: [{ ...first, messageId: `message-${runId}`, body: first.body.replace(RUN_1, runId) }] };
}

beforeAll(async () => {
  const s3 = localS3Client();
  ingest = await freshBucket(s3, "ingest");
  processed = await freshBucket(s3, "processed");
  const suffix = randomUUID().slice(0, 8);
  const tables = { audit: `audit-${suffix}`, failure: `failures-${suffix}`, state: `state-${suffix}` };
  await ensureTables(localDynamoClient(), tables);
  // The handler builds its deps from the environment once, at import, as on a cold start.
  Object.assign(process.env, {
    AWS_REGION: cloud().region,
    S3_ENDPOINT: cloud().s3Endpoint,
    ...localS3Env(),
    DYNAMODB_ENDPOINT: cloud().dynamodbEndpoint,
    INGEST_BUCKET: ingest,
    PROCESSED_BUCKET: processed,
    AUDIT_TABLE: tables.audit,
    FAILURE_TABLE: tables.failure,
    ALERT_FILE: join(mkdtempSync(join(tmpdir(), "etl-handler-")), "alerts.jsonl"),
    PART_ROWS: "1000",
  });
  ({ handler } = await import("../../src/handler"));
  const data = makeDataset({ orders: 10 });
  await writeRawRun(store, ingest, { runId: RUN_1, tables: asRawTables(data) });
  await writeRawRun(store, ingest, {
    runId: RUN_2,
    tables: { address: [{ ...data.address[0], city: "Hull" }] },
  });
});

describe("handler", () => {
  it("reports a run whose previous run is not transformed yet as a batch item failure", async () => {
    const response = await handler(eventFor(RUN_2));

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: `message-${RUN_2}` }] });
    expect(await store.head(processed, `runs/${RUN_2}.json`)).toBeUndefined();
  });

  it("transforms the run of a manifest notification, ignoring the test event and a key with +", async () => {
    const response = await handler(fixtureEvent());

    expect(response).toEqual({ batchItemFailures: [] });
    expect(await store.head(processed, `runs/${RUN_1}.json`)).toBeDefined();
    const keys: string[] = [];
    for await (const object of store.list(processed, "runs/")) keys.push(object.key);
    expect(keys).toEqual([`runs/${RUN_1}.json`]);
  });

  it("transforms the next run once the previous one is done, and acknowledges a replay", async () => {
    const next = await handler(eventFor(RUN_2));
    const replay = await handler(eventFor(RUN_2));

    expect(next).toEqual({ batchItemFailures: [] });
    expect(replay).toEqual({ batchItemFailures: [] });
    expect(await store.head(processed, `runs/${RUN_2}.json`)).toBeDefined();
    // The load waits for the run named here: runs load in order.
    const manifest = (run: string) => readProcessedManifest(store, processed, run);
    expect((await manifest(RUN_1))?.previousRunId).toBeNull();
    expect((await manifest(RUN_2))?.previousRunId).toBe(RUN_1);
  });

  it("acknowledges a body that is not an S3 notification (it can never succeed)", async () => {
    const [first] = fixtureEvent().Records;

    const response = await handler({ Records: [{ ...first, body: "hello" }] });

    expect(response).toEqual({ batchItemFailures: [] });
  });
});
