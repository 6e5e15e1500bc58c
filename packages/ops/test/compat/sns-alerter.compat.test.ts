import { CreateTopicCommand, SNSClient, SubscribeCommand } from "@aws-sdk/client-sns";
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { type MotoServer, startMoto } from "@etl/local-cloud/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { alertMessage, alertSubject } from "../../src/alert-format";
import { createSnsAlerter } from "../../src/aws";
import type { Alert } from "../../src/ports";

// The SNS alerter publishing to a topic on moto; an SQS queue subscribed to the topic shows what
// a subscriber receives.
let moto: MotoServer;
let sns: SNSClient;
let sqs: SQSClient;

beforeAll(async () => {
  moto = await startMoto();
  const config = { region: moto.region, endpoint: moto.endpoint, credentials: moto.credentials };
  sns = new SNSClient(config);
  sqs = new SQSClient(config);
});

afterAll(async () => {
  sns?.destroy();
  sqs?.destroy();
  await moto?.stop();
});

describe("createSnsAlerter on moto", () => {
  it("publishes the alert's subject and JSON message to the topic's subscribers", async () => {
    const topic = await sns.send(new CreateTopicCommand({ Name: "etl-alerts" }));
    const queue = await sqs.send(new CreateQueueCommand({ QueueName: "alerts-inbox" }));
    const queueUrl = queue.QueueUrl ?? "";
    const attributes = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] }),
    );
    await sns.send(
      new SubscribeCommand({
        TopicArn: topic.TopicArn,
        Protocol: "sqs",
        Endpoint: attributes.Attributes?.QueueArn,
      }),
    );
    const at = new Date("2026-11-23T14:16:00.000Z");
    const alert: Alert = {
      stage: "load",
      runId: "20261123T141500123Z-00000042",
      table: "fact_sales_order",
      key: "star/fact_sales_order/2026/11/23/r-0001.parquet",
      subject: "COPY failed",
      detail: { error: "password=hunter2 rejected" },
    };

    await createSnsAlerter({ client: sns, topicArn: topic.TopicArn ?? "", clock: () => at }).alert(alert);

    const received = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 5 }),
    );
    const bodies = (received.Messages ?? []).map(
      (m) => JSON.parse(m.Body ?? "{}") as Record<string, unknown>,
    );
    expect(bodies).toHaveLength(1);
    expect(bodies[0]).toMatchObject({
      Type: "Notification",
      TopicArn: topic.TopicArn,
      Subject: alertSubject(alert),
      Message: alertMessage(alert, at),
    });
    expect(String(bodies[0]?.Message)).not.toContain("hunter2");
  });

  it("fails with a non-retryable error naming a topic that does not exist", async () => {
    const missing = `arn:aws:sns:${moto.region}:123456789012:no-such-topic`;
    const alerter = createSnsAlerter({ client: sns, topicArn: missing });

    const sent = alerter.alert({ stage: "ingest", runId: "r", subject: "x", detail: {} });

    await expect(sent).rejects.toThrow(`Publish ${missing}`);
    await expect(sent).rejects.toMatchObject({ retryable: false });
  });
});
