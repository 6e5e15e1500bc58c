import { DescribeTableCommand, DescribeTimeToLiveCommand } from "@aws-sdk/client-dynamodb";
import { DescribeRuleCommand, ListRulesCommand } from "@aws-sdk/client-eventbridge";
import { GetSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { PublishCommand } from "@aws-sdk/client-sns";
import { GetQueueAttributesCommand, GetQueueUrlCommand } from "@aws-sdk/client-sqs";
import { TTL_ATTRIBUTE } from "@etl/ops/aws";
import {
  DOCTOR_ALERT_SUBJECT,
  type DoctorCheck,
  type DoctorClients,
  type Env,
  errorName,
  fail,
  MIN_MAX_RECEIVE_COUNT,
  ok,
  QUEUE_VARIABLES,
  SECRET_VARIABLES,
  TABLE_VARIABLES,
  why,
} from "./doctor-check";

// The stack's AWS resources: secrets, DynamoDB tables, the alert topic, queues, EventBridge rules.

export async function checkSecrets(env: Env, clients: DoctorClients): Promise<DoctorCheck[]> {
  const named = SECRET_VARIABLES.filter((v) => env[v]);
  if (named.length === 0)
    return [
      fail(
        "secrets",
        `none of ${SECRET_VARIABLES.join(", ")} is set`,
        "export the functions' variables (the stack outputs) before running etl doctor --aws",
      ),
    ];
  const results: DoctorCheck[] = [];
  for (const variable of named) {
    const arn = env[variable] ?? "";
    const check = `secret ${variable}`;
    try {
      const out = await clients.secrets.send(new GetSecretValueCommand({ SecretId: arn }));
      // Only whether a value came back is looked at: it is never printed, stored or compared.
      const readable = Boolean(out.SecretString || out.SecretBinary?.length);
      results.push(
        readable
          ? ok(check, `${arn} is readable`)
          : fail(check, `${arn} has no value`, "put the connection JSON into the secret"),
      );
    } catch (error) {
      results.push(
        fail(
          check,
          `${arn}: ${errorName(error)}`,
          "check the ARN, and that the role may secretsmanager:GetSecretValue it (and kms:Decrypt its key)",
        ),
      );
    }
  }
  return results;
}

export async function checkTables(env: Env, clients: DoctorClients): Promise<DoctorCheck[]> {
  const results: DoctorCheck[] = [];
  for (const variable of TABLE_VARIABLES) {
    const table = env[variable];
    const check = `table ${variable}`;
    if (!table) {
      results.push(
        fail(check, `${variable} is not set`, "export the functions' variables (the stack outputs)"),
      );
      continue;
    }
    try {
      const described = await clients.dynamo.send(new DescribeTableCommand({ TableName: table }));
      const state = described.Table?.TableStatus ?? "UNKNOWN";
      const ttl = await clients.dynamo.send(new DescribeTimeToLiveCommand({ TableName: table }));
      const ttlStatus = ttl.TimeToLiveDescription?.TimeToLiveStatus ?? "DISABLED";
      const ttlAttribute = ttl.TimeToLiveDescription?.AttributeName;
      if (state !== "ACTIVE")
        results.push(
          fail(check, `${table} is ${state}`, "wait for the table to become ACTIVE, then run again"),
        );
      else if (ttlStatus !== "ENABLED" || ttlAttribute !== TTL_ATTRIBUTE)
        results.push(
          fail(
            check,
            `${table}: TTL ${ttlStatus}${ttlAttribute ? ` on ${ttlAttribute}` : ""}`,
            `aws dynamodb update-time-to-live --table-name ${table} --time-to-live-specification Enabled=true,AttributeName=${TTL_ATTRIBUTE}`,
          ),
        );
      else results.push(ok(check, `${table} is ACTIVE, TTL on ${TTL_ATTRIBUTE}`));
    } catch (error) {
      results.push(
        fail(
          check,
          `${table}: ${why(error)}`,
          "deploy the stateful stack, or check the name and dynamodb:DescribeTable/DescribeTimeToLive permissions",
        ),
      );
    }
  }
  return results;
}

export async function checkTopic(env: Env, clients: DoctorClients, now: () => Date): Promise<DoctorCheck> {
  const topic = env.ALERT_TOPIC_ARN;
  if (!topic) return fail("alert topic", "ALERT_TOPIC_ARN is not set", "export the stack's alert topic ARN");
  try {
    const out = await clients.sns.send(
      new PublishCommand({
        TopicArn: topic,
        Subject: DOCTOR_ALERT_SUBJECT,
        Message: JSON.stringify({
          doctor: true,
          at: now().toISOString(),
          message: "A test alert from etl doctor: alerts reach this subscription. Nothing failed.",
        }),
      }),
    );
    return ok(
      "alert topic",
      `published ${out.MessageId ?? "a message"} to ${topic}: check it reached every subscriber`,
    );
  } catch (error) {
    return fail(
      "alert topic",
      `${topic}: ${why(error)}`,
      "check the ARN, sns:Publish permission and the topic's KMS key policy",
    );
  }
}

interface RedrivePolicy {
  deadLetterTargetArn?: string;
  maxReceiveCount?: number | string;
}

export async function checkQueues(env: Env, clients: DoctorClients): Promise<DoctorCheck[]> {
  const named = QUEUE_VARIABLES.filter((v) => env[v]);
  if (named.length === 0)
    return [
      fail(
        "queues",
        `none of ${QUEUE_VARIABLES.join(", ")} is set`,
        "export the queue URLs (stack outputs TransformQueueUrl, LoadQueueUrl, ...)",
      ),
    ];
  const results: DoctorCheck[] = [];
  for (const variable of named) {
    const url = env[variable] ?? "";
    const check = `queue ${variable}`;
    try {
      const attributes = await clients.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["All"] }),
      );
      const redrive = attributes.Attributes?.RedrivePolicy;
      if (!redrive) {
        results.push(
          fail(
            check,
            `${url} has no dead-letter queue`,
            "attach one (RedrivePolicy): deploy the app's stack",
          ),
        );
        continue;
      }
      const policy = JSON.parse(redrive) as RedrivePolicy;
      const receives = Number(policy.maxReceiveCount ?? 0);
      const dlqArn = policy.deadLetterTargetArn ?? "";
      if (receives < MIN_MAX_RECEIVE_COUNT) {
        results.push(
          fail(
            check,
            `${url}: maxReceiveCount ${receives}, below ${MIN_MAX_RECEIVE_COUNT}: a brief outage dead-letters messages`,
            `raise the queue's maxReceiveCount to at least ${MIN_MAX_RECEIVE_COUNT}`,
          ),
        );
        continue;
      }
      const [, , , , account = "", name = ""] = dlqArn.split(":");
      const dlq = await clients.sqs.send(
        new GetQueueUrlCommand({ QueueName: name, ...(account ? { QueueOwnerAWSAccountId: account } : {}) }),
      );
      const depth = await clients.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: dlq.QueueUrl,
          AttributeNames: ["ApproximateNumberOfMessages"],
        }),
      );
      const messages = Number(depth.Attributes?.ApproximateNumberOfMessages ?? 0);
      if (messages > 0)
        results.push({
          check,
          status: "warn",
          detail: `${url}: dead-letter queue ${name} holds ${messages} message(s)`,
          fix: `find the cause in the failure table, then aws sqs start-message-move-task --source-arn ${dlqArn}`,
        });
      else results.push(ok(check, `${url}: dead-letter queue ${name} after ${receives} receives, empty`));
    } catch (error) {
      results.push(
        fail(
          check,
          `${url}: ${why(error)}`,
          "check the URL and sqs:GetQueueAttributes/GetQueueUrl permissions",
        ),
      );
    }
  }
  return results;
}

export async function checkRules(env: Env, clients: DoctorClients, prefix: string): Promise<DoctorCheck[]> {
  let names = (env.EVENT_RULE_NAMES ?? "")
    .split(",")
    .map((n) => n.trim())
    .filter((n) => n !== "");
  try {
    if (names.length === 0) {
      let token: string | undefined;
      do {
        const page = await clients.events.send(
          new ListRulesCommand({ NamePrefix: prefix, ...(token ? { NextToken: token } : {}) }),
        );
        names.push(...(page.Rules ?? []).map((r) => r.Name ?? "").filter((n) => n !== ""));
        token = page.NextToken;
      } while (token);
      names = names.sort();
    }
  } catch (error) {
    return [fail("event rules", why(error), "check events:ListRules permission")];
  }
  if (names.length === 0)
    return [
      fail(
        "event rules",
        `no EventBridge rule named ${prefix}*`,
        "deploy the app stacks, or list the rules in EVENT_RULE_NAMES / pass --rule-prefix",
      ),
    ];
  const results: DoctorCheck[] = [];
  for (const name of names) {
    try {
      const rule = await clients.events.send(new DescribeRuleCommand({ Name: name }));
      results.push(
        rule.State === "ENABLED"
          ? ok(`rule ${name}`, `ENABLED${rule.ScheduleExpression ? ` (${rule.ScheduleExpression})` : ""}`)
          : fail(`rule ${name}`, `${rule.State ?? "UNKNOWN"}`, `aws events enable-rule --name ${name}`),
      );
    } catch (error) {
      results.push(
        fail(`rule ${name}`, why(error), "check the rule's name and events:DescribeRule permission"),
      );
    }
  }
  return results;
}
