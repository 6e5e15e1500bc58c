import { describe, expect, it } from "vitest";
import type { DoctorClients } from "./doctor-check";
import { checkQueues, checkRules, checkSecrets, checkTables, checkTopic } from "./stack-checks";

type Answer = (name: string, input: Record<string, unknown>) => unknown;

/** Clients whose every `send` is answered by `answer` (a thrown error is the SDK's), recorded in `sent`. */
function fakeClients(answer: Answer) {
  const sent: { name: string; input: Record<string, unknown> }[] = [];
  const client = {
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      sent.push({ name: command.constructor.name, input: command.input });
      return answer(command.constructor.name, command.input);
    },
  };
  const clients = Object.fromEntries(
    ["secrets", "dynamo", "sns", "sqs", "events", "redshift", "s3"].map((k) => [k, client]),
  ) as unknown as DoctorClients;
  return { clients, sent };
}

const sdkError = (name: string, message: string) => Object.assign(new Error(message), { name });

describe("checkSecrets", () => {
  it("fails when no secret variable is set", async () => {
    const { clients, sent } = fakeClients(() => ({}));

    const [result] = await checkSecrets({}, clients);

    expect(result).toMatchObject({
      status: "fail",
      detail: "none of DB_SECRET_ARN, WAREHOUSE_SECRET_ARN, REDSHIFT_SECRET_ARN, RULES_SECRET_ARN is set",
    });
    expect(sent).toEqual([]);
  });

  it("reports each named secret readable, empty or refused, never its value", async () => {
    const { clients } = fakeClients((_, input) => {
      if (input.SecretId === "arn:db") return { SecretString: "s3cr3t" };
      if (input.SecretId === "arn:wh") return { SecretBinary: new Uint8Array() };
      throw sdkError("AccessDeniedException", "not allowed");
    });

    const results = await checkSecrets(
      { DB_SECRET_ARN: "arn:db", WAREHOUSE_SECRET_ARN: "arn:wh", RULES_SECRET_ARN: "arn:rules" },
      clients,
    );

    expect(results).toEqual([
      { check: "secret DB_SECRET_ARN", status: "ok", detail: "arn:db is readable" },
      expect.objectContaining({
        check: "secret WAREHOUSE_SECRET_ARN",
        status: "fail",
        detail: "arn:wh has no value",
      }),
      expect.objectContaining({
        check: "secret RULES_SECRET_ARN",
        status: "fail",
        detail: "arn:rules: AccessDeniedException",
      }),
    ]);
    expect(JSON.stringify(results)).not.toContain("s3cr3t");
  });
});

describe("checkTables", () => {
  it("checks each table's state and TTL attribute", async () => {
    const { clients, sent } = fakeClients((name, input) => {
      const table = input.TableName;
      if (name === "DescribeTableCommand") {
        if (table === "missing") throw sdkError("ResourceNotFoundException", "Requested resource not found");
        return { Table: { TableStatus: table === "creating" ? "CREATING" : "ACTIVE" } };
      }
      if (table === "ok")
        return { TimeToLiveDescription: { TimeToLiveStatus: "ENABLED", AttributeName: "expiresAt" } };
      if (table === "wrongttl")
        return { TimeToLiveDescription: { TimeToLiveStatus: "ENABLED", AttributeName: "ttl" } };
      return {};
    });

    const [audit, failure, state] = await checkTables(
      { AUDIT_TABLE: "ok", FAILURE_TABLE: "wrongttl", STATE_TABLE: "creating" },
      clients,
    );
    const [notSet, , missing] = await checkTables(
      { FAILURE_TABLE: "noTtl", STATE_TABLE: "missing" },
      clients,
    );

    expect(sent[0]).toEqual({ name: "DescribeTableCommand", input: { TableName: "ok" } });
    expect(audit).toEqual({
      check: "table AUDIT_TABLE",
      status: "ok",
      detail: "ok is ACTIVE, TTL on expiresAt",
    });
    expect(failure).toMatchObject({
      status: "fail",
      detail: "wrongttl: TTL ENABLED on ttl",
      fix: "aws dynamodb update-time-to-live --table-name wrongttl --time-to-live-specification Enabled=true,AttributeName=expiresAt",
    });
    expect(state).toMatchObject({ status: "fail", detail: "creating is CREATING" });
    expect(notSet).toMatchObject({ status: "fail", detail: "AUDIT_TABLE is not set" });
    expect(missing).toMatchObject({
      status: "fail",
      detail: "missing: ResourceNotFoundException: Requested resource not found",
    });
  });

  it("fails a table whose state is not given, as UNKNOWN", async () => {
    const { clients } = fakeClients(() => ({}));

    const [audit] = await checkTables({ AUDIT_TABLE: "a" }, clients);

    expect(audit).toMatchObject({ status: "fail", detail: "a is UNKNOWN" });
  });

  it("says a table without TTL has it DISABLED", async () => {
    const { clients } = fakeClients((name) =>
      name === "DescribeTableCommand" ? { Table: { TableStatus: "ACTIVE" } } : {},
    );

    const [audit] = await checkTables({ AUDIT_TABLE: "a" }, clients);

    expect(audit?.detail).toBe("a: TTL DISABLED");
  });
});

describe("checkTopic", () => {
  const now = () => new Date("2026-12-05T10:00:00Z");

  it("says it published a message when SNS names none", async () => {
    const { clients } = fakeClients(() => ({}));

    expect(await checkTopic({ ALERT_TOPIC_ARN: "arn:topic" }, clients, now)).toMatchObject({
      status: "ok",
      detail: "published a message to arn:topic: check it reached every subscriber",
    });
  });

  it("publishes one marked test alert and names the message", async () => {
    const { clients, sent } = fakeClients(() => ({ MessageId: "m-1" }));

    const result = await checkTopic({ ALERT_TOPIC_ARN: "arn:topic" }, clients, now);

    expect(result).toEqual({
      check: "alert topic",
      status: "ok",
      detail: "published m-1 to arn:topic: check it reached every subscriber",
    });
    expect(sent).toEqual([
      {
        name: "PublishCommand",
        input: {
          TopicArn: "arn:topic",
          Subject: "[etl doctor] test alert",
          Message: JSON.stringify({
            doctor: true,
            at: "2026-12-05T10:00:00.000Z",
            message: "A test alert from etl doctor: alerts reach this subscription. Nothing failed.",
          }),
        },
      },
    ]);
  });

  it("fails without a topic, or when publishing is refused", async () => {
    const { clients } = fakeClients(() => {
      throw sdkError("AuthorizationErrorException", "no sns:Publish");
    });

    expect(await checkTopic({}, clients, now)).toMatchObject({
      status: "fail",
      detail: "ALERT_TOPIC_ARN is not set",
    });
    expect(await checkTopic({ ALERT_TOPIC_ARN: "arn:t" }, clients, now)).toMatchObject({
      status: "fail",
      detail: "arn:t: AuthorizationErrorException: no sns:Publish",
    });
  });
});

describe("checkQueues", () => {
  const DLQ = "arn:aws:sqs:eu-west-2:123456789012:etl-dlq";

  it("fails when no queue variable is set", async () => {
    const { clients } = fakeClients(() => ({}));

    expect(await checkQueues({}, clients)).toEqual([
      expect.objectContaining({
        status: "fail",
        detail: "none of TRANSFORM_QUEUE_URL, LOAD_QUEUE_URL, FILES_QUEUE_URL is set",
      }),
    ]);
  });

  it("needs a dead-letter queue after enough receives, and warns when it holds messages", async () => {
    const { clients, sent } = fakeClients((name, input) => {
      if (name === "GetQueueUrlCommand") return { QueueUrl: `https://sqs/${String(input.QueueName)}` };
      const url = String(input.QueueUrl);
      if (url === "https://sqs/etl-dlq") return { Attributes: { ApproximateNumberOfMessages: "3" } };
      if (url === "q-none") return { Attributes: {} };
      if (url === "q-few")
        return {
          Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: DLQ, maxReceiveCount: 2 }) },
        };
      if (url === "q-gone") throw sdkError("QueueDoesNotExist", "The specified queue does not exist");
      return {
        Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: DLQ, maxReceiveCount: "5" }) },
      };
    });

    const [transform, load, files] = await checkQueues(
      { TRANSFORM_QUEUE_URL: "q-none", LOAD_QUEUE_URL: "q-few", FILES_QUEUE_URL: "q-good" },
      clients,
    );
    const [gone] = await checkQueues({ LOAD_QUEUE_URL: "q-gone" }, clients);

    expect(transform).toMatchObject({ status: "fail", detail: "q-none has no dead-letter queue" });
    expect(load).toMatchObject({
      status: "fail",
      detail: "q-few: maxReceiveCount 2, below 5: a brief outage dead-letters messages",
    });
    expect(files).toEqual({
      check: "queue FILES_QUEUE_URL",
      status: "warn",
      detail: "q-good: dead-letter queue etl-dlq holds 3 message(s)",
      fix: `find the cause in the failure table, then aws sqs start-message-move-task --source-arn ${DLQ}`,
    });
    expect(sent).toContainEqual({
      name: "GetQueueUrlCommand",
      input: { QueueName: "etl-dlq", QueueOwnerAWSAccountId: "123456789012" },
    });
    expect(gone).toMatchObject({
      status: "fail",
      detail: "q-gone: QueueDoesNotExist: The specified queue does not exist",
    });
  });

  it("is ok when the dead-letter queue is empty", async () => {
    const { clients } = fakeClients((name, input) => {
      if (name === "GetQueueUrlCommand") return { QueueUrl: "dlq" };
      if (input.QueueUrl === "dlq") return { Attributes: {} };
      return {
        Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: DLQ, maxReceiveCount: 8 }) },
      };
    });

    expect(await checkQueues({ LOAD_QUEUE_URL: "q" }, clients)).toEqual([
      {
        check: "queue LOAD_QUEUE_URL",
        status: "ok",
        detail: "q: dead-letter queue etl-dlq after 8 receives, empty",
      },
    ]);
  });
});

describe("checkQueues on policies that leave things out", () => {
  it("takes a policy without maxReceiveCount as 0, and looks a dead-letter queue up without an owner when its ARN has none", async () => {
    const { clients, sent } = fakeClients((name, input) => {
      if (name === "GetQueueUrlCommand") return { QueueUrl: "dlq" };
      if (input.QueueUrl === "dlq") return { Attributes: {} };
      if (input.QueueUrl === "q-no-count")
        return {
          Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: "arn:aws:sqs:eu-west-2:1:d" }) },
        };
      return {
        Attributes: {
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: "arn:aws:sqs:eu-west-2::etl-dlq",
            maxReceiveCount: 6,
          }),
        },
      };
    });

    const [noCount, noOwner] = await checkQueues(
      { TRANSFORM_QUEUE_URL: "q-no-count", LOAD_QUEUE_URL: "q-no-owner" },
      clients,
    );

    expect(noCount).toMatchObject({
      status: "fail",
      detail: "q-no-count: maxReceiveCount 0, below 5: a brief outage dead-letters messages",
    });
    expect(noOwner).toMatchObject({
      status: "ok",
      detail: "q-no-owner: dead-letter queue etl-dlq after 6 receives, empty",
    });
    expect(sent).toContainEqual({ name: "GetQueueUrlCommand", input: { QueueName: "etl-dlq" } });
  });
});

describe("checkRules", () => {
  it("lists the rules under the prefix page by page, and checks each is enabled", async () => {
    const { clients, sent } = fakeClients((name, input) => {
      if (name === "ListRulesCommand")
        return input.NextToken
          ? { Rules: [{ Name: "etl-b" }, {}] }
          : { Rules: [{ Name: "etl-c" }], NextToken: "page-2" };
      if (input.Name === "etl-b") return { State: "ENABLED", ScheduleExpression: "rate(30 minutes)" };
      if (input.Name === "etl-c") return { State: "DISABLED" };
      return {};
    });

    const results = await checkRules({}, clients, "etl-");

    expect(sent.slice(0, 2)).toEqual([
      { name: "ListRulesCommand", input: { NamePrefix: "etl-" } },
      { name: "ListRulesCommand", input: { NamePrefix: "etl-", NextToken: "page-2" } },
    ]);
    expect(results).toEqual([
      { check: "rule etl-b", status: "ok", detail: "ENABLED (rate(30 minutes))" },
      { check: "rule etl-c", status: "fail", detail: "DISABLED", fix: "aws events enable-rule --name etl-c" },
    ]);
  });

  it("checks the rules EVENT_RULE_NAMES names, without listing", async () => {
    const { clients, sent } = fakeClients((_, input) => {
      if (input.Name === "gone") throw sdkError("ResourceNotFoundException", "Rule gone does not exist");
      return { State: "ENABLED" };
    });

    const results = await checkRules({ EVENT_RULE_NAMES: " a , ,gone" }, clients, "etl-");

    expect(sent.map((s) => s.name)).toEqual(["DescribeRuleCommand", "DescribeRuleCommand"]);
    expect(results).toEqual([
      { check: "rule a", status: "ok", detail: "ENABLED" },
      expect.objectContaining({
        check: "rule gone",
        status: "fail",
        detail: "ResourceNotFoundException: Rule gone does not exist",
      }),
    ]);
  });

  it("fails when listing is refused, or no rule has the prefix", async () => {
    const refused = fakeClients(() => {
      throw sdkError("AccessDeniedException", "no events:ListRules");
    });
    const none = fakeClients(() => ({ Rules: [] }));

    expect(await checkRules({}, refused.clients, "etl-")).toEqual([
      expect.objectContaining({
        check: "event rules",
        status: "fail",
        detail: "AccessDeniedException: no events:ListRules",
      }),
    ]);
    expect(await checkRules({}, none.clients, "etl-")).toEqual([
      expect.objectContaining({
        check: "event rules",
        status: "fail",
        detail: "no EventBridge rule named etl-*",
      }),
    ]);
  });

  it("reports a rule with no state as UNKNOWN", async () => {
    const { clients } = fakeClients(() => ({}));

    expect(await checkRules({ EVENT_RULE_NAMES: "x" }, clients, "etl-")).toEqual([
      { check: "rule x", status: "fail", detail: "UNKNOWN", fix: "aws events enable-rule --name x" },
    ]);
  });
});
