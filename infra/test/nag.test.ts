import { Bucket } from "aws-cdk-lib/aws-s3";
import { describe, expect, it } from "vitest";
import { nagErrors, POSTGRES, REDSHIFT, type Synthesized, synth } from "./synth";

type Suppression = { id: string; reason: string };
type Resource = { Metadata?: { cdk_nag?: { rules_to_suppress?: Suppression[] } } };

/** Every cdk-nag suppression written into the four templates. */
function suppressionsOf(s: Synthesized): Suppression[] {
  return [s.stateful, s.ingest, s.transform, s.load].flatMap((template) =>
    Object.values((template.toJSON() as { Resources: Record<string, Resource> }).Resources).flatMap(
      (r) => r.Metadata?.cdk_nag?.rules_to_suppress ?? [],
    ),
  );
}

const VARIANTS: [string, Parameters<typeof synth>[0]][] = [
  ["PostgreSQL", POSTGRES],
  ["Redshift Serverless", REDSHIFT],
  ["Redshift Serverless without the workgroup ARN", { ...REDSHIFT, redshiftWorkgroupArn: undefined }],
  ["Redshift provisioned", { ...REDSHIFT, redshiftWorkgroup: undefined, redshiftClusterId: "etl-cluster" }],
  ["PostgreSQL in a VPC", { ...POSTGRES, subnetIds: ["subnet-0a1b2c3d"], securityGroupIds: ["sg-0a1b2c3d"] }],
];

describe("cdk-nag AwsSolutions", () => {
  it.each(VARIANTS)("%s: no unsuppressed finding, and every suppression gives its reason", (_, settings) => {
    const s = synth(settings);
    const stacks = [s.stacks.stateful, s.stacks.ingest, s.stacks.transform, s.stacks.load];
    const suppressions = suppressionsOf(s);

    expect(stacks.flatMap(nagErrors)).toEqual([]);
    expect(suppressions.length).toBeGreaterThan(0);
    for (const suppression of suppressions) {
      expect(suppression.reason.length, `${suppression.id} needs a reason`).toBeGreaterThanOrEqual(20);
    }
  });

  it("fails synth on a finding that nothing suppresses (the checks run on every stack)", () => {
    const addBucketWithoutLogs = () =>
      synth(POSTGRES, (stacks) => {
        new Bucket(stacks.ingest, "BucketWithoutLogs");
      });

    expect(addBucketWithoutLogs).toThrow(/AwsSolutions-S1: The S3 Bucket has server access logs disabled/);
  });
});
