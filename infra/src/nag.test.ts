import { Stack } from "aws-cdk-lib";
import * as s3 from "aws-cdk-lib/aws-s3";
import * as s3n from "aws-cdk-lib/aws-s3-notifications";
import * as sqs from "aws-cdk-lib/aws-sqs";
import { describe, expect, it } from "vitest";
import { suppressBucketNotificationsHandler } from "./nag";

const HANDLER_ID = "BucketNotificationsHandler050a0587b7544547bf325f094a3db834";

/** `path: rule` for every cdk-nag suppression recorded in a stack. */
function nagRules(stack: Stack): string[] {
  return stack.node.findAll().flatMap((c) => {
    const nag = (c as { cfnOptions?: { metadata?: Record<string, unknown> } }).cfnOptions?.metadata
      ?.cdk_nag as { rules_to_suppress?: { id: string }[] } | undefined;
    return (nag?.rules_to_suppress ?? []).map((r) => `${c.node.path}: ${r.id}`);
  });
}

describe("suppressBucketNotificationsHandler", () => {
  it("records the reasons on CDK's bucket-notifications handler when the stack has one", () => {
    const stack = new Stack(undefined, "WithNotifications");
    const bucket = new s3.Bucket(stack, "Bucket");
    bucket.addEventNotification(
      s3.EventType.OBJECT_CREATED,
      new s3n.SqsDestination(new sqs.Queue(stack, "Queue")),
    );

    suppressBucketNotificationsHandler(stack);

    expect(stack.node.tryFindChild(HANDLER_ID)).toBeDefined();
    expect(new Set(nagRules(stack).map((r) => r.split(": ")[1]))).toEqual(
      new Set(["AwsSolutions-IAM4", "AwsSolutions-IAM5"]),
    );
    expect(nagRules(stack).every((r) => r.startsWith(`WithNotifications/${HANDLER_ID}/`))).toBe(true);
  });

  it("changes nothing in a stack without bucket notifications", () => {
    const stack = new Stack(undefined, "WithoutNotifications");
    new s3.Bucket(stack, "Bucket");

    suppressBucketNotificationsHandler(stack);

    expect(nagRules(stack)).toEqual([]);
  });
});
