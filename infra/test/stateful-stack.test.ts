import { beforeAll, describe, expect, it } from "vitest";
import { POSTGRES, resource, resourcesOf, type Statement, type Synthesized, synth, text } from "./synth";

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

  // Hand-offs and file claims in the state table carry `expiresAt` as much as audit and failure items.
  it.each(["StateTable", "AuditTable", "FailureTable"])(
    "%s: pk/sk strings, on demand, point-in-time recovery, TTL on expiresAt",
    (id) => {
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
      expect(table.Properties?.TimeToLiveSpecification).toEqual({
        AttributeName: "expiresAt",
        Enabled: true,
      });
    },
  );

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

  it("lets only this account's CloudWatch alarms publish to the topic, and still denies publishing without TLS", () => {
    const policies = Object.values(resourcesOf(s.stateful, "AWS::SNS::TopicPolicy"));
    const document = policies[0]?.Properties?.PolicyDocument as { Statement?: Statement[] } | undefined;
    const statements = document?.Statement ?? [];
    const alarmArn = {
      "Fn::Join": [
        "",
        [
          "arn:",
          { Ref: "AWS::Partition" },
          ":cloudwatch:",
          { Ref: "AWS::Region" },
          ":",
          { Ref: "AWS::AccountId" },
          ":alarm:Etl*",
        ],
      ],
    };

    expect(policies).toHaveLength(1);
    expect(statements).toEqual(
      expect.arrayContaining([
        {
          Sid: "CloudWatchAlarmsPublish",
          Effect: "Allow",
          Principal: { Service: "cloudwatch.amazonaws.com" },
          Action: "sns:Publish",
          Resource: { Ref: expect.stringMatching("^AlertTopic") },
          Condition: {
            StringEquals: { "aws:SourceAccount": { Ref: "AWS::AccountId" } },
            ArnLike: { "aws:SourceArn": alarmArn },
          },
        },
        expect.objectContaining({
          Effect: "Deny",
          Principal: "*",
          Action: "sns:Publish",
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        }),
      ]),
    );
    expect(statements).toHaveLength(2);
    const keyPolicy = resource(s.stateful, "AWS::KMS::Key", "AlertKey").Properties?.KeyPolicy as
      | { Statement?: Statement[] }
      | undefined;
    const keyStatements = keyPolicy?.Statement ?? [];
    expect(keyStatements.find((st) => st.Sid === "CloudWatchAlarmsPublish")).toEqual({
      Sid: "CloudWatchAlarmsPublish",
      Effect: "Allow",
      Principal: { Service: "cloudwatch.amazonaws.com" },
      Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
      Resource: "*",
      Condition: {
        StringEquals: { "aws:SourceAccount": { Ref: "AWS::AccountId" } },
        ArnLike: { "aws:SourceArn": alarmArn },
      },
    });
  });

  it("scopes the alarms allowed to publish by the stack prefix", () => {
    const dev = synth({ ...POSTGRES, stackPrefix: "Dev" });

    expect(text(dev.stateful.findResources("AWS::SNS::TopicPolicy"))).toContain(":alarm:Dev*");
    expect(text(dev.stateful.findResources("AWS::KMS::Key"))).toContain(":alarm:Dev*");
  });

  it("refers to the secrets by ARN without creating any", () => {
    s.stateful.resourceCountIs("AWS::SecretsManager::Secret", 0);

    expect(s.stacks.stateful.secrets).toEqual({
      db: POSTGRES.dbSecretArn,
      warehouse: POSTGRES.warehouseSecretArn,
    });
  });
});
