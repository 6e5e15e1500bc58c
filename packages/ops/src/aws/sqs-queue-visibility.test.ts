import { ChangeMessageVisibilityCommand, GetQueueUrlCommand, SQSClient } from "@aws-sdk/client-sqs";
import { TransientError } from "@etl/schemas";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { OpsStoreError } from "../errors";
import { createSqsQueueVisibility, queueVisibilityOnLambda } from "./sqs-queue-visibility";

const sqs = mockClient(SQSClient);
const QUEUE_ARN = "arn:aws:sqs:eu-west-2:123456789012:EtlLoad-RunQueue-ABC.fifo";
const QUEUE_URL = "https://sqs.eu-west-2.amazonaws.com/123456789012/EtlLoad-RunQueue-ABC.fifo";

beforeEach(() => {
  sqs.reset();
});

const sdkError = (name: string, status: number) =>
  Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode: status } });

describe("createSqsQueueVisibility", () => {
  it("asks the queue's URL once, then sends ChangeMessageVisibility with the receipt handle and timeout", async () => {
    sqs.on(GetQueueUrlCommand).resolves({ QueueUrl: QUEUE_URL });
    sqs.on(ChangeMessageVisibilityCommand).resolves({});
    const visibility = createSqsQueueVisibility({ client: new SQSClient({ region: "eu-west-2" }) });

    await visibility.changeVisibility({ queueArn: QUEUE_ARN, receiptHandle: "AQEB-1", timeoutSeconds: 60 });
    await visibility.changeVisibility({ queueArn: QUEUE_ARN, receiptHandle: "AQEB-2", timeoutSeconds: 120 });

    expect(sqs.commandCalls(GetQueueUrlCommand).map((c) => c.args[0].input)).toEqual([
      { QueueName: "EtlLoad-RunQueue-ABC.fifo", QueueOwnerAWSAccountId: "123456789012" },
    ]);
    expect(sqs.commandCalls(ChangeMessageVisibilityCommand).map((c) => c.args[0].input)).toEqual([
      { QueueUrl: QUEUE_URL, ReceiptHandle: "AQEB-1", VisibilityTimeout: 60 },
      { QueueUrl: QUEUE_URL, ReceiptHandle: "AQEB-2", VisibilityTimeout: 120 },
    ]);
  });

  it("asks the URL again after GetQueueUrl failed, and maps SQS errors", async () => {
    sqs
      .on(GetQueueUrlCommand)
      .rejectsOnce(sdkError("ThrottlingException", 400))
      .resolves({ QueueUrl: QUEUE_URL });
    sqs.on(ChangeMessageVisibilityCommand).rejects(sdkError("AccessDenied", 403));
    const visibility = createSqsQueueVisibility({ client: new SQSClient({ region: "eu-west-2" }) });
    const change = { queueArn: QUEUE_ARN, receiptHandle: "AQEB-1", timeoutSeconds: 60 };

    const first = await visibility.changeVisibility(change).catch((e: unknown) => e);
    const second = await visibility.changeVisibility(change).catch((e: unknown) => e);

    expect(first).toBeInstanceOf(TransientError);
    expect(String(first)).toContain("GetQueueUrl EtlLoad-RunQueue-ABC.fifo");
    expect(second).toBeInstanceOf(OpsStoreError);
    expect(String(second)).toContain(`ChangeMessageVisibility ${QUEUE_URL}: access denied`);
    expect(sqs.commandCalls(GetQueueUrlCommand)).toHaveLength(2);
  });

  it("refuses an ARN that is not an SQS queue's, without calling SQS", async () => {
    const visibility = createSqsQueueVisibility({ client: new SQSClient({ region: "eu-west-2" }) });

    await expect(
      visibility.changeVisibility({
        queueArn: "arn:aws:sns:eu-west-2:123456789012:etl-alerts",
        receiptHandle: "AQEB-1",
        timeoutSeconds: 60,
      }),
    ).rejects.toThrow("is not an SQS queue ARN");
    expect(sqs.calls()).toHaveLength(0);
  });
});

describe("queueVisibilityOnLambda", () => {
  it("gives SQS on Lambda and nothing elsewhere (the local runtime delays retries itself)", () => {
    expect(queueVisibilityOnLambda({ AWS_REGION: "eu-west-2" })).toBeUndefined();
    expect(
      queueVisibilityOnLambda({ AWS_REGION: "eu-west-2", AWS_LAMBDA_FUNCTION_NAME: "etl-load" }),
    ).toBeDefined();
  });
});
