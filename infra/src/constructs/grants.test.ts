import { Stack } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as s3 from "aws-cdk-lib/aws-s3";
import { describe, expect, it } from "vitest";
import { grantPrefixes, type PrefixAccess } from "./grants";

/** The statements a role's policy holds after `grantPrefixes` on an imported bucket. */
function statementsFor(access: PrefixAccess): unknown[] {
  const stack = new Stack();
  const bucket = s3.Bucket.fromBucketName(stack, "Bucket", "etl-ingest");
  const role = new iam.Role(stack, "Role", { assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com") });
  grantPrefixes(bucket, role, access);
  const document = role.node.tryFindChild("DefaultPolicy") as iam.Policy | undefined;
  if (!document) return [];
  return (stack.resolve(document.document.toJSON()) as { Statement: unknown[] }).Statement;
}

const objects = (prefix: string) => ({
  "Fn::Join": ["", ["arn:", { Ref: "AWS::Partition" }, `:s3:::etl-ingest/${prefix}*`]],
});

describe("grantPrefixes", () => {
  it("grants writing only the given prefixes: no read, no listing, no delete", () => {
    expect(statementsFor({ write: ["raw/"] })).toEqual([
      {
        Effect: "Allow",
        Action: ["s3:PutObject", "s3:AbortMultipartUpload"],
        Resource: objects("raw/"),
      },
    ]);
  });

  it("grants deleting only the given prefixes", () => {
    expect(statementsFor({ delete: ["landing/"] })).toEqual([
      { Effect: "Allow", Action: "s3:DeleteObject", Resource: objects("landing/") },
    ]);
  });

  it("grants reading a prefix with listing on the bucket itself (existence checks answer 404)", () => {
    expect(statementsFor({ read: ["runs/"] })).toEqual([
      { Effect: "Allow", Action: "s3:GetObject", Resource: objects("runs/") },
      {
        Effect: "Allow",
        Action: "s3:ListBucket",
        Resource: { "Fn::Join": ["", ["arn:", { Ref: "AWS::Partition" }, ":s3:::etl-ingest"]] },
      },
    ]);
  });

  it("grants nothing for empty access", () => {
    expect(statementsFor({})).toEqual([]);
    expect(statementsFor({ read: [], write: [], delete: [] })).toEqual([]);
  });
});
