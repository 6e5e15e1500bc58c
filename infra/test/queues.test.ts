import { LoadConfigSchema } from "@etl/load/config";
import { TransformConfigSchema } from "@etl/transform/config";
import type { Template } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { POSTGRES, REDSHIFT, resourcesOf, type Statement, statementsOf, synth, text } from "./synth";

type Ref = { "Fn::GetAtt"?: [string, string]; Ref?: string };

/** The logical id a `Fn::GetAtt` or `Ref` points at. */
const idOf = (value: unknown) => {
  const ref = value as Ref;
  return ref["Fn::GetAtt"]?.[0] ?? ref.Ref ?? "";
};

const grants = (statements: Statement[], action: string, queueId: string) =>
  statements.some(
    (st) =>
      (Array.isArray(st.Action) ? st.Action : [st.Action]).includes(action) &&
      text(st.Resource).includes(`"${queueId}"`),
  );

describe.each([
  ["PostgreSQL", POSTGRES],
  ["Redshift", REDSHIFT],
])("queues, %s warehouse", (_name, settings) => {
  const s = synth(settings);
  const templates: [string, Template][] = [
    ["transform", s.transform],
    ["load", s.load],
  ];
  const schemas = { transform: TransformConfigSchema, load: LoadConfigSchema };

  it.each(templates)(
    "%s: a message survives at least five receives before it is dead-lettered",
    (_stack, template) => {
      const redriven = Object.values(resourcesOf(template, "AWS::SQS::Queue")).filter(
        (q) => q.Properties?.RedrivePolicy !== undefined,
      );

      expect(redriven.length).toBeGreaterThan(0);
      for (const queue of redriven) {
        const policy = queue.Properties?.RedrivePolicy as { maxReceiveCount: number };
        expect(policy.maxReceiveCount).toBeGreaterThanOrEqual(5);
      }
    },
  );

  it.each(templates)(
    "%s: each consumer's queue stays invisible longer than the function runs, and the consumer may change a message's visibility",
    (_stack, template) => {
      const queues = resourcesOf(template, "AWS::SQS::Queue");
      const functions = resourcesOf(template, "AWS::Lambda::Function");
      const mappings = Object.values(resourcesOf(template, "AWS::Lambda::EventSourceMapping"));

      expect(mappings.length).toBeGreaterThan(0);
      for (const mapping of mappings) {
        const queueId = idOf(mapping.Properties?.EventSourceArn);
        const functionId = idOf(mapping.Properties?.FunctionName);
        const timeout = functions[functionId]?.Properties?.Timeout as number;
        const visibility = queues[queueId]?.Properties?.VisibilityTimeout as number;
        const statements = statementsOf(template, functionId.replace(/Function[0-9A-F]{8}$/, ""));

        expect(timeout).toBeGreaterThan(0);
        expect(visibility).toBeGreaterThanOrEqual(timeout);
        expect(grants(statements, "sqs:ChangeMessageVisibility", queueId)).toBe(true);
        // The handler's visibility adapter asks the queue's URL once per cold start.
        expect(grants(statements, "sqs:GetQueueUrl", queueId)).toBe(true);
      }
    },
  );

  it.each(templates)(
    "%s: each consumer gets its queue's redrive limit as MAX_RECEIVE_COUNT when its config reads it",
    (stack, template) => {
      const reads = "MAX_RECEIVE_COUNT" in schemas[stack as keyof typeof schemas].shape;
      const queues = resourcesOf(template, "AWS::SQS::Queue");
      const functions = resourcesOf(template, "AWS::Lambda::Function");

      for (const mapping of Object.values(resourcesOf(template, "AWS::Lambda::EventSourceMapping"))) {
        const queue = queues[idOf(mapping.Properties?.EventSourceArn)];
        const fn = functions[idOf(mapping.Properties?.FunctionName)];
        const redrive = queue?.Properties?.RedrivePolicy as { maxReceiveCount?: number } | undefined;
        const environment = fn?.Properties?.Environment as
          | { Variables?: Record<string, unknown> }
          | undefined;
        const limit = redrive?.maxReceiveCount;
        const variables = environment?.Variables ?? {};

        expect(limit).toBeGreaterThan(0);

        expect(variables.MAX_RECEIVE_COUNT).toEqual(reads ? String(limit) : undefined);
      }
    },
  );

  it.each(templates)(
    "%s: every dead-letter queue alarms the alert topic as soon as it holds a message",
    (_stack, template) => {
      const queues = Object.values(resourcesOf(template, "AWS::SQS::Queue"));
      const rules = Object.values(resourcesOf(template, "AWS::Events::Rule"));
      const deadLetterIds = new Set([
        ...queues.flatMap((q) => {
          const policy = q.Properties?.RedrivePolicy as { deadLetterTargetArn?: unknown } | undefined;
          return policy ? [idOf(policy.deadLetterTargetArn)] : [];
        }),
        ...rules.flatMap((r) =>
          ((r.Properties?.Targets ?? []) as { DeadLetterConfig?: { Arn: unknown } }[]).flatMap((t) =>
            t.DeadLetterConfig ? [idOf(t.DeadLetterConfig.Arn)] : [],
          ),
        ),
      ]);
      const alarms = Object.values(resourcesOf(template, "AWS::CloudWatch::Alarm"));

      expect(deadLetterIds.size).toBeGreaterThan(0);
      for (const id of deadLetterIds) {
        const alarm = alarms.find(
          (a) =>
            a.Properties?.MetricName === "ApproximateNumberOfMessagesVisible" &&
            text(a.Properties?.Dimensions).includes(`"${id}"`),
        );
        expect(alarm?.Properties, `alarm on ${id}`).toMatchObject({
          Namespace: "AWS/SQS",
          Threshold: 1,
          ComparisonOperator: "GreaterThanOrEqualToThreshold",
        });
        expect(text(alarm?.Properties?.AlarmActions)).toContain("AlertTopic");
      }
    },
  );
});
