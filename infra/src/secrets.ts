import * as iam from "aws-cdk-lib/aws-iam";

/**
 * The IAM resource of a Secrets Manager secret given by ARN. A complete ARN ends with the six
 * random characters Secrets Manager appends to the name; a partial one (name only) is matched
 * with `-??????`, as Secrets Manager's own documentation recommends.
 */
export function secretResource(arn: string): string {
  return /-[A-Za-z0-9]{6}$/.test(arn) ? arn : `${arn}-??????`;
}

/** Reading the named secrets' values, and nothing else (no describe, no list, no other secret). */
export function secretReadStatement(arns: readonly string[]): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: "ReadSecretValues",
    actions: ["secretsmanager:GetSecretValue"],
    resources: arns.map(secretResource),
  });
}
