import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { TransientError } from "@etl/schemas";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { OpsStoreError } from "../errors";
import { createSnsAlerter } from "./sns-alerter";

const sns = mockClient(SNSClient);
const topicArn = "arn:aws:sns:eu-west-2:123456789012:etl-alerts";
const now = new Date("2026-11-23T14:15:00.000Z");

beforeEach(() => {
  sns.reset();
});

describe("createSnsAlerter", () => {
  it("publishes a short subject naming stage, table and file, and a redacted JSON body", async () => {
    sns.on(PublishCommand).resolves({ MessageId: "m-1" });
    const alerter = createSnsAlerter({
      client: new SNSClient({ region: "eu-west-2" }),
      topicArn,
      clock: () => now,
    });

    await alerter.alert({
      stage: "load",
      runId: "20261123T141500123Z-00000042",
      table: "fact_sales_order",
      key: "star/fact_sales_order/2026/11/23/20261123T141500123Z-00000042-0001.parquet",
      subject: "COPY failed",
      detail: {
        error: "password authentication failed for postgres://etl:hunter2@wh:5432/wh",
        sql: "COPY s.t FROM 's3://b/k' CREDENTIALS 'aws_access_key_id=AKIA;aws_secret_access_key=wJal'",
        password: "hunter2",
      },
    });

    const calls = sns.commandCalls(PublishCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input).toEqual({
      TopicArn: topicArn,
      Subject: "ETL load fact_sales_order 20261123T141500123Z-00000042-0001.parquet: COPY failed",
      Message: JSON.stringify(
        {
          stage: "load",
          runId: "20261123T141500123Z-00000042",
          table: "fact_sales_order",
          key: "star/fact_sales_order/2026/11/23/20261123T141500123Z-00000042-0001.parquet",
          subject: "COPY failed",
          at: "2026-11-23T14:15:00.000Z",
          detail: {
            error: "password authentication failed for postgres://etl:***@wh:5432/wh",
            sql: "COPY s.t FROM 's3://b/k' CREDENTIALS 'aws_access_key_id=***;aws_secret_access_key=***'",
            password: "***",
          },
        },
        null,
        2,
      ),
    });
    expect(JSON.stringify(calls[0]?.args[0].input)).not.toMatch(/hunter2|wJal|AKIA;/);
  });

  it("keeps the subject under 100 characters", async () => {
    sns.on(PublishCommand).resolves({});
    const alerter = createSnsAlerter({
      client: new SNSClient({ region: "eu-west-2" }),
      topicArn,
      clock: () => now,
    });

    await alerter.alert({
      stage: "files",
      runId: "R",
      table: "sales_feed",
      key: `landing/${"x".repeat(120)}.csv`,
      subject: `trailer says ${"9".repeat(80)} records`,
      detail: {},
    });

    expect(sns.commandCalls(PublishCommand)[0]?.args[0].input.Subject?.length).toBeLessThan(100);
  });

  it.each([
    [
      Object.assign(new Error("slow down"), {
        name: "ThrottledException",
        $metadata: { httpStatusCode: 429 },
      }),
      TransientError,
    ],
    [
      Object.assign(new Error("boom"), {
        name: "InternalErrorException",
        $metadata: { httpStatusCode: 500 },
      }),
      TransientError,
    ],
    [
      Object.assign(new Error("no topic"), { name: "NotFoundException", $metadata: { httpStatusCode: 404 } }),
      OpsStoreError,
    ],
    [
      Object.assign(new Error("denied"), {
        name: "AuthorizationErrorException",
        $metadata: { httpStatusCode: 403 },
      }),
      OpsStoreError,
    ],
  ])("maps a failed publish (%s) to %s", async (error, kind) => {
    sns.on(PublishCommand).rejects(error);
    const alerter = createSnsAlerter({ client: new SNSClient({ region: "eu-west-2" }), topicArn });

    const publish = alerter.alert({ stage: "load", runId: "R", subject: "s", detail: {} });

    await expect(publish).rejects.toBeInstanceOf(kind);
    await expect(publish).rejects.toThrow(`Publish ${topicArn}`);
  });
});
