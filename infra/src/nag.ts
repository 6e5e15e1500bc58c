import type { Stack } from "aws-cdk-lib";
import { NagSuppressions } from "cdk-nag";

/**
 * CDK's bucket-notifications custom resource (one singleton function per stack) configures
 * notifications on a bucket imported from the stateful stack. Its role and runtime are CDK's.
 */
export function suppressBucketNotificationsHandler(stack: Stack): void {
  const handler = stack.node.tryFindChild("BucketNotificationsHandler050a0587b7544547bf325f094a3db834");
  if (!handler) return;
  NagSuppressions.addResourceSuppressions(
    handler,
    [
      {
        id: "AwsSolutions-IAM4",
        reason: "CDK's bucket-notifications handler logs with the AWS-managed basic execution policy.",
        appliesTo: ["Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"],
      },
      {
        id: "AwsSolutions-IAM5",
        reason:
          "CDK's bucket-notifications handler may only put the notification configuration of the named bucket.",
      },
    ],
    true,
  );
}
