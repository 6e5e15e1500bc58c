import * as iam from "aws-cdk-lib/aws-iam";
import type * as kms from "aws-cdk-lib/aws-kms";
import type * as s3 from "aws-cdk-lib/aws-s3";
import type * as sns from "aws-cdk-lib/aws-sns";
import { NagSuppressions } from "cdk-nag";
import type { IConstruct } from "constructs";

/** Object-level access to some key prefixes of a bucket (`raw/`, `runs/`). */
export interface PrefixAccess {
  /** GetObject on the prefix, and ListBucket on the bucket. */
  read?: readonly string[];
  /** PutObject (and aborting its multipart uploads) on the prefix. */
  write?: readonly string[];
  /** DeleteObject on the prefix (moving a landed file is a copy and a delete). */
  delete?: readonly string[];
}

/**
 * Grants object access prefix by prefix, with explicit actions instead of CDK's wildcard
 * grants (`s3:GetObject*`, `s3:List*`): a function that writes raw data cannot overwrite a
 * manifest, read another stage's bucket, or change an object's ACL or tags.
 */
export function grantPrefixes(bucket: s3.IBucket, grantee: iam.IGrantable, access: PrefixAccess): void {
  const principal = grantee.grantPrincipal;
  const objects = (prefixes: readonly string[]) => prefixes.map((p) => bucket.arnForObjects(`${p}*`));
  const read = access.read ?? [];
  if (read.length > 0) {
    principal.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ["s3:GetObject"], resources: objects(read) }),
    );
    // S3 answers a HEAD or GET of a missing key with 404 only to a caller that may list the
    // bucket, else with 403. A `s3:prefix` condition would not apply to those requests, so the
    // listing right is on the bucket itself: existence checks (manifest written?) depend on it.
    principal.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ["s3:ListBucket"], resources: [bucket.bucketArn] }),
    );
  }
  if ((access.write ?? []).length > 0) {
    principal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ["s3:PutObject", "s3:AbortMultipartUpload"],
        resources: objects(access.write ?? []),
      }),
    );
  }
  if ((access.delete ?? []).length > 0) {
    principal.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ["s3:DeleteObject"], resources: objects(access.delete ?? []) }),
    );
  }
}

/**
 * Publishing alerts to the KMS-encrypted topic: `sns:Publish` on the topic and the two key
 * actions SNS performs for the publisher, on that key only (CDK's grant adds `GenerateDataKey*`).
 */
export function grantAlertPublish(grantee: iam.IGrantable, topic: sns.ITopic, key: kms.IKey): void {
  const principal = grantee.grantPrincipal;
  principal.addToPrincipalPolicy(
    new iam.PolicyStatement({ sid: "PublishAlerts", actions: ["sns:Publish"], resources: [topic.topicArn] }),
  );
  principal.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: "EncryptAlerts",
      actions: ["kms:GenerateDataKey", "kms:Decrypt"],
      resources: [key.keyArn],
    }),
  );
}

/**
 * Matches `<BucketLogicalId.Arn>/prefix/*` in cdk-nag's rendering of a policy resource, and the
 * same bucket ARN read from the stateful stack (`{"Fn::GetStackOutput":...}/prefix/*`).
 */
const PREFIX_RESOURCE = {
  regex:
    '/^Resource::(<[A-Za-z0-9]+\\.Arn>|\\{"Fn::GetStackOutput":\\{[^}]*\\{[^}]*\\}[^}]*\\}\\})\\/[a-z0-9-]+\\/\\*$/g',
};

/** Records why per-prefix object grants carry a wildcard (cdk-nag AwsSolutions-IAM5). */
export function suppressPrefixGrants(construct: IConstruct): void {
  NagSuppressions.addResourceSuppressions(
    construct,
    [
      {
        id: "AwsSolutions-IAM5",
        reason:
          "Object keys are only known at run time (run ids, part numbers): access is granted per key prefix of one bucket.",
        appliesTo: [PREFIX_RESOURCE],
      },
    ],
    true,
  );
}
