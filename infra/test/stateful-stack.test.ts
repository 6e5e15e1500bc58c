import { beforeAll, describe, expect, it } from "vitest";
import { POSTGRES, resource, resourcesOf, type Synthesized, synth } from "./synth";

describe("stateful stack", () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synth(POSTGRES);
  });

  it("holds the three data buckets, the access-log bucket, three tables, the topic and its key", () => {
    const t = s.stateful;

    t.resourceCountIs("AWS::S3::Bucket", 4);
    t.resourceCountIs("AWS::DynamoDB::Table", 3);
    t.resourceCountIs("AWS::SNS::Topic", 1);
    t.resourceCountIs("AWS::KMS::Key", 1);
    t.resourceCountIs("AWS::Lambda::Function", 1); // CDK's notifications handler (EventBridge switch)
  });

  it.each(["IngestBucket", "ProcessedBucket", "LandingBucket"])(
    "%s is encrypted, private, versioned, logged, retained and tidies old versions",
    (id) => {
      const bucket = resource(s.stateful, "AWS::S3::Bucket", id);

      expect(bucket.Properties).toMatchObject({
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        VersioningConfiguration: { Status: "Enabled" },
        LoggingConfiguration: { LogFilePrefix: expect.any(String) },
      });
      expect(JSON.stringify(bucket.Properties?.LifecycleConfiguration)).toContain(
        '"NoncurrentVersionExpiration"',
      );
      expect(JSON.stringify(bucket.Properties?.LifecycleConfiguration)).toContain(
        '"AbortIncompleteMultipartUpload":{"DaysAfterInitiation":7}',
      );
      expect((bucket as { DeletionPolicy?: string }).DeletionPolicy).toBe("Retain");
    },
  );

  it("denies every request without TLS on every bucket", () => {
    const policies = Object.values(resourcesOf(s.stateful, "AWS::S3::BucketPolicy"));

    expect(policies).toHaveLength(4);
    for (const policy of policies) {
      expect(JSON.stringify(policy.Properties?.PolicyDocument)).toContain('"aws:SecureTransport":"false"');
    }
  });

  it("sends only the processed bucket's events to EventBridge (the FIFO route to the load)", () => {
    const notifications = Object.values(resourcesOf(s.stateful, "Custom::S3BucketNotifications"));

    expect(notifications).toHaveLength(1);
    expect(notifications[0]?.Properties).toMatchObject({
      BucketName: { Ref: expect.stringMatching("^ProcessedBucket") },
      NotificationConfiguration: { EventBridgeConfiguration: {} },
      Managed: true,
    });
  });

  it("keeps the archive and raw prefixes in cheaper storage classes", () => {
    const ingest = JSON.stringify(resource(s.stateful, "AWS::S3::Bucket", "IngestBucket").Properties);
    const landing = JSON.stringify(resource(s.stateful, "AWS::S3::Bucket", "LandingBucket").Properties);

    expect(ingest).toMatch(/"Prefix":"raw\/".*"StorageClass":"STANDARD_IA","TransitionInDays":30/);
    expect(landing).toMatch(/"Prefix":"archive\/".*"StorageClass":"GLACIER_IR","TransitionInDays":90/);
  });

  it.each([
    ["StateTable", false],
    ["AuditTable", true],
    ["FailureTable", true],
  ])("%s: pk/sk strings, on demand, point-in-time recovery, TTL %s", (id, ttl) => {
    const table = resource(s.stateful, "AWS::DynamoDB::Table", id);

    expect(table.Properties).toMatchObject({
      KeySchema: [
        { AttributeName: "pk", KeyType: "HASH" },
        { AttributeName: "sk", KeyType: "RANGE" },
      ],
      AttributeDefinitions: [
        { AttributeName: "pk", AttributeType: "S" },
        { AttributeName: "sk", AttributeType: "S" },
      ],
      BillingMode: "PAY_PER_REQUEST",
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: true,
    });
    expect(table.Properties?.TimeToLiveSpecification).toEqual(
      ttl ? { AttributeName: "expiresAt", Enabled: true } : undefined,
    );
  });

  it("encrypts the alert topic with a rotated key that CloudWatch alarms may use, and subscribes the emails", () => {
    const topic = resource(s.stateful, "AWS::SNS::Topic", "AlertTopic");
    const key = resource(s.stateful, "AWS::KMS::Key", "AlertKey");
    const subscriptions = Object.values(resourcesOf(s.stateful, "AWS::SNS::Subscription"));

    expect(topic.Properties?.KmsMasterKeyId).toEqual({
      "Fn::GetAtt": [expect.stringMatching("^AlertKey"), "Arn"],
    });
    expect(key.Properties?.EnableKeyRotation).toBe(true);
    expect(JSON.stringify(key.Properties?.KeyPolicy)).toContain('"Service":"cloudwatch.amazonaws.com"');
    expect(subscriptions.map((sub) => [sub.Properties?.Protocol, sub.Properties?.Endpoint])).toEqual([
      ["email", "ops@example.com"],
      ["email", "data@example.com"],
    ]);
  });

  it("refers to the secrets by ARN without creating any", () => {
    s.stateful.resourceCountIs("AWS::SecretsManager::Secret", 0);

    expect(s.stacks.stateful.secrets).toEqual({
      db: POSTGRES.dbSecretArn,
      warehouse: POSTGRES.warehouseSecretArn,
    });
  });
});
