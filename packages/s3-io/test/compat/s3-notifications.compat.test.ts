import { randomUUID } from "node:crypto";
import { CreateBucketCommand, PutBucketNotificationConfigurationCommand, S3Client } from "@aws-sdk/client-s3";
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { type MotoServer, startMoto } from "@etl/local-cloud/testing";
import { decodeS3EventKey, manifestRunIds, parseObjectNotifications } from "@etl/schemas";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createObjectStoreFromEnv } from "../../src/aws";
import { runManifestKey } from "../../src/keys";

// S3 -> SQS bucket notifications as S3 sends them (moto builds the records the way S3 does:
// form-encoded keys, real ARNs, the test event first), read with the apps' own parser.
let moto: MotoServer;
let s3: S3Client;
let sqs: SQSClient;

beforeAll(async () => {
  moto = await startMoto();
  const config = { region: moto.region, endpoint: moto.endpoint, credentials: moto.credentials };
  s3 = new S3Client({ ...config, forcePathStyle: true });
  sqs = new SQSClient(config);
});

afterAll(async () => {
  s3?.destroy();
  sqs?.destroy();
  await moto?.stop();
});

async function drain(queueUrl: string, until: (bodies: string[]) => boolean): Promise<string[]> {
  const bodies: string[] = [];
  for (let i = 0; i < 10 && !until(bodies); i++) {
    const out = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    for (const message of out.Messages ?? []) {
      bodies.push(message.Body ?? "");
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
    }
  }
  return bodies;
}

describe("S3 bucket notifications to SQS on moto", () => {
  it("delivers a put under runs/ as a real-shaped ObjectCreated record the parser reads", async () => {
    const bucket = `ingest-${randomUUID().slice(0, 8)}`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const queue = await sqs.send(
      new CreateQueueCommand({ QueueName: `transform-${randomUUID().slice(0, 8)}` }),
    );
    const queueUrl = queue.QueueUrl ?? "";
    const attributes = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] }),
    );
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: bucket,
        NotificationConfiguration: {
          QueueConfigurations: [
            {
              QueueArn: attributes.Attributes?.QueueArn,
              Events: ["s3:ObjectCreated:*"],
              Filter: { Key: { FilterRules: [{ Name: "prefix", Value: "runs/" }] } },
            },
          ],
        },
      }),
    );
    const store = createObjectStoreFromEnv({ AWS_REGION: moto.region, S3_ENDPOINT: moto.endpoint });
    const runId = "20261123T141500123Z-00000042";

    await store.put(bucket, "raw/sales order/not announced.jsonl.gz", "x", { ifNoneMatch: true });
    const info = await store.put(bucket, runManifestKey(runId), '{"runId":"x"}', { ifNoneMatch: true });

    const bodies = await drain(queueUrl, (b) => b.some((body) => body.includes("ObjectCreated")));
    const created = bodies.filter((body) => body.includes("ObjectCreated"));
    expect(created).toHaveLength(1);
    const record = (
      JSON.parse(created[0] ?? "{}") as {
        Records: { s3: { object: { key: string; sequencer?: string } } }[];
      }
    ).Records[0];
    expect(record).toMatchObject({
      eventSource: "aws:s3",
      awsRegion: moto.region,
      eventName: "ObjectCreated:Put",
      s3: {
        bucket: { name: bucket, arn: `arn:aws:s3:::${bucket}` },
        object: { size: 13 },
      },
    });
    // The key is form-encoded in the record (moto also encodes the slash, S3 may not).
    const rawKey = record?.s3.object.key ?? "";
    expect(decodeS3EventKey(rawKey)).toBe(`runs/${runId}.json`);
    expect(parseObjectNotifications(created[0] ?? "")).toEqual({
      objects: [
        {
          bucket,
          key: `runs/${runId}.json`,
          created: true,
          size: 13,
          etag: info.etag,
          ...(record?.s3.object.sequencer ? { sequencer: record.s3.object.sequencer } : {}),
        },
      ],
      ignored: [],
    });
    expect(manifestRunIds(created[0] ?? "", bucket)).toEqual({ runIds: [runId], ignored: [] });
    for (const body of bodies.filter((b) => !b.includes("ObjectCreated")))
      expect(parseObjectNotifications(body)).toEqual({ objects: [], ignored: ["s3:TestEvent"] });
  });

  it("form-encodes a key with spaces and symbols, and the parser decodes it back", async () => {
    const bucket = `landing-${randomUUID().slice(0, 8)}`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const queue = await sqs.send(new CreateQueueCommand({ QueueName: `files-${randomUUID().slice(0, 8)}` }));
    const queueUrl = queue.QueueUrl ?? "";
    const attributes = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] }),
    );
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: bucket,
        NotificationConfiguration: {
          QueueConfigurations: [
            { QueueArn: attributes.Attributes?.QueueArn, Events: ["s3:ObjectCreated:*"] },
          ],
        },
      }),
    );
    const store = createObjectStoreFromEnv({ AWS_REGION: moto.region, S3_ENDPOINT: moto.endpoint });
    const key = "runs/a b+c;d'é.json";

    await store.put(bucket, key, "{}");

    const bodies = await drain(queueUrl, (b) => b.some((body) => body.includes("ObjectCreated")));
    const created = bodies.filter((body) => body.includes("ObjectCreated"));
    expect(created).toHaveLength(1);
    expect(parseObjectNotifications(created[0] ?? "").objects.map((o) => o.key)).toEqual([key]);
  });
});
