import { ArnFormat, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from "aws-cdk-lib";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as iam from "aws-cdk-lib/aws-iam";
import * as kms from "aws-cdk-lib/aws-kms";
import * as s3 from "aws-cdk-lib/aws-s3";
import * as sns from "aws-cdk-lib/aws-sns";
import * as subscriptions from "aws-cdk-lib/aws-sns-subscriptions";
import { NagSuppressions } from "cdk-nag";
import type { Construct } from "constructs";
import { suppressBucketNotificationsHandler } from "../nag";
import type { Settings } from "../settings";

/** ARNs of the secrets the functions read; the secrets themselves are created outside CDK. */
export interface SecretArns {
  /** The totesys OLTP database (ingest). */
  db?: string;
  /** The PostgreSQL warehouse (load). */
  warehouse?: string;
  /** A Redshift database user, when not using IAM credentials (load). */
  redshift?: string;
  /** The rules database of the file loads, when not the warehouse (load). */
  rules?: string;
}

export interface StatefulStackProps extends StackProps {
  settings: Settings;
}

/**
 * Everything that holds data or outlives a deploy: the three buckets, the state, audit and
 * failure tables, the alert topic (and its key), and references to the secrets. Resources are
 * retained when the stack is deleted; the app stacks receive them as props.
 */
export class StatefulStack extends Stack {
  readonly ingestBucket: s3.Bucket;
  readonly processedBucket: s3.Bucket;
  readonly landingBucket: s3.Bucket;
  readonly accessLogsBucket: s3.Bucket;
  readonly stateTable: dynamodb.Table;
  readonly auditTable: dynamodb.Table;
  readonly failureTable: dynamodb.Table;
  readonly alertTopic: sns.Topic;
  readonly alertKey: kms.Key;
  readonly secrets: SecretArns;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    const { settings } = props;

    this.accessLogsBucket = new s3.Bucket(this, "AccessLogsBucket", {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [{ id: "expire-access-logs", expiration: Duration.days(365) }],
    });
    NagSuppressions.addResourceSuppressions(this.accessLogsBucket, [
      { id: "AwsSolutions-S1", reason: "This is the access-log bucket: logging it into itself would loop." },
    ]);

    this.ingestBucket = this.dataBucket("IngestBucket", "ingest/", [
      {
        id: "raw-to-infrequent-access",
        prefix: "raw/",
        transitions: [
          { storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(30) },
        ],
      },
    ]);
    // S3 cannot notify a FIFO queue: the processed manifests reach the load queue through EventBridge.
    this.processedBucket = this.dataBucket("ProcessedBucket", "processed/", [], true);
    this.landingBucket = this.dataBucket("LandingBucket", "landing/", [
      {
        id: "archive-to-glacier-ir",
        prefix: "archive/",
        transitions: [
          { storageClass: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL, transitionAfter: Duration.days(90) },
        ],
      },
    ]);

    // Every table's items may carry `expiresAt` (epoch seconds): state hand-offs and file claims
    // as much as audit and failure items. Items without it never expire.
    this.stateTable = this.table("StateTable");
    this.auditTable = this.table("AuditTable");
    this.failureTable = this.table("FailureTable");

    // CloudWatch alarms publish as the service principal `cloudwatch.amazonaws.com`, which needs
    // both a topic policy allowing it (the topic's policy replaces SNS's default one) and the key's
    // permission (an AWS-managed SNS key cannot grant it). Both are limited to alarms of this
    // account and region whose names start with the stack prefix (CloudFormation names them
    // `<stack name>-<logical id>-<suffix>`), against the confused deputy.
    const alarmPublishers = {
      StringEquals: { "aws:SourceAccount": this.account },
      ArnLike: {
        "aws:SourceArn": this.formatArn({
          service: "cloudwatch",
          resource: "alarm",
          resourceName: `${settings.stackPrefix}*`,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      },
    };
    this.alertKey = new kms.Key(this, "AlertKey", {
      description: "Encrypts the ETL alert topic",
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.alertKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: "CloudWatchAlarmsPublish",
        principals: [new iam.ServicePrincipal("cloudwatch.amazonaws.com")],
        actions: ["kms:Decrypt", "kms:GenerateDataKey*"],
        resources: ["*"],
        conditions: alarmPublishers,
      }),
    );
    this.alertTopic = new sns.Topic(this, "AlertTopic", {
      displayName: "ETL pipeline alerts",
      masterKey: this.alertKey,
      enforceSSL: true,
    });
    this.alertTopic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: "CloudWatchAlarmsPublish",
        principals: [new iam.ServicePrincipal("cloudwatch.amazonaws.com")],
        actions: ["sns:Publish"],
        resources: [this.alertTopic.topicArn],
        conditions: alarmPublishers,
      }),
    );
    for (const email of settings.alertEmails) {
      this.alertTopic.addSubscription(new subscriptions.EmailSubscription(email));
    }

    this.secrets = {
      ...(settings.dbSecretArn ? { db: settings.dbSecretArn } : {}),
      ...(settings.warehouseSecretArn ? { warehouse: settings.warehouseSecretArn } : {}),
      ...(settings.redshiftSecretArn ? { redshift: settings.redshiftSecretArn } : {}),
      ...(settings.rulesSecretArn ? { rules: settings.rulesSecretArn } : {}),
    };

    const outputs: Record<string, string> = {
      IngestBucketName: this.ingestBucket.bucketName,
      ProcessedBucketName: this.processedBucket.bucketName,
      LandingBucketName: this.landingBucket.bucketName,
      StateTableName: this.stateTable.tableName,
      AuditTableName: this.auditTable.tableName,
      FailureTableName: this.failureTable.tableName,
      AlertTopicArn: this.alertTopic.topicArn,
    };
    for (const [name, value] of Object.entries(outputs)) new CfnOutput(this, name, { value });
    suppressBucketNotificationsHandler(this);
  }

  private dataBucket(
    id: string,
    logPrefix: string,
    rules: s3.LifecycleRule[],
    eventBridgeEnabled = false,
  ): s3.Bucket {
    return new s3.Bucket(this, id, {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.RETAIN,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: logPrefix,
      eventBridgeEnabled,
      lifecycleRules: [
        {
          id: "tidy-versions-and-uploads",
          abortIncompleteMultipartUploadAfter: Duration.days(7),
          noncurrentVersionExpiration: Duration.days(30),
          expiredObjectDeleteMarker: true,
        },
        ...rules,
      ],
    });
  }

  private table(id: string): dynamodb.Table {
    return new dynamodb.Table(this, id, {
      partitionKey: { name: "pk", type: dynamodb.AttributeType.STRING },
      sortKey: { name: "sk", type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      timeToLiveAttribute: "expiresAt",
    });
  }
}
