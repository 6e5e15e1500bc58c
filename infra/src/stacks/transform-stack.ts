import { TransformConfigSchema } from "@etl/transform/config";
import { CfnOutput, Duration, Stack } from "aws-cdk-lib";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import * as s3 from "aws-cdk-lib/aws-s3";
import * as s3n from "aws-cdk-lib/aws-s3-notifications";
import type { Construct } from "constructs";
import { EtlFunction } from "../constructs/etl-function";
import { grantAlertPublish, grantPrefixes } from "../constructs/grants";
import { functionErrorAlarm, QueueWithDlq } from "../constructs/queue-with-dlq";
import { StarCatalog, type StarColumn } from "../constructs/star-catalog";
import { buildEnvironment, whereRead } from "../function-env";
import { HANDLERS } from "../handlers";
import { suppressBucketNotificationsHandler } from "../nag";
import type { AppStackProps } from "./app-stack-props";

export interface TransformStackProps extends AppStackProps {
  /** Columns per star table (`STAR_COLUMNS`): the Glue tables describe what the transform writes. */
  starColumns: Readonly<Record<string, readonly StarColumn[]>>;
}

const TIMEOUT = Duration.minutes(15);

/**
 * The transform app: a run manifest in the ingest bucket (`runs/*.json`) notifies a queue; the
 * function turns the run into star-schema Parquet in the processed bucket and reports failed
 * messages one by one (partial batch responses). The Glue catalogue of the star files lives
 * here, beside the code that decides their columns, so a column change deploys with it.
 */
export class TransformStack extends Stack {
  readonly transform: EtlFunction;
  readonly queue: QueueWithDlq;
  readonly catalog: StarCatalog;

  constructor(scope: Construct, id: string, props: TransformStackProps) {
    super(scope, id, props);
    const { settings, stateful } = props;

    this.queue = new QueueWithDlq(this, "Manifests", {
      visibilityTimeout: Duration.seconds(TIMEOUT.toSeconds() * 6),
      maxMessageAge: Duration.hours(1),
      alertTopic: stateful.alertTopic,
    });
    const environment = buildEnvironment("transform", TransformConfigSchema, {
      INGEST_BUCKET: stateful.ingestBucket.bucketName,
      PROCESSED_BUCKET: stateful.processedBucket.bucketName,
      AUDIT_TABLE: stateful.auditTable.tableName,
      FAILURE_TABLE: stateful.failureTable.tableName,
      STATE_TABLE: stateful.stateTable.tableName,
      ALERT_TOPIC_ARN: stateful.alertTopic.topicArn,
      ...whereRead(TransformConfigSchema, { MAX_RECEIVE_COUNT: String(this.queue.maxReceiveCount) }),
    });
    // The bucket belongs to the stateful stack; imported here, its notification is owned by this
    // stack (an unmanaged notification resource), so the stateful stack never depends on this one.
    const ingestBucket = s3.Bucket.fromBucketAttributes(this, "IngestBucket", {
      bucketName: stateful.ingestBucket.bucketName,
      bucketArn: stateful.ingestBucket.bucketArn,
    });
    ingestBucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.SqsDestination(this.queue.queue), {
      prefix: "runs/",
      suffix: ".json",
    });

    this.transform = new EtlFunction(this, "Transform", {
      spec: HANDLERS.transform,
      environment,
      serviceName: "etl-transform",
      description: "Turns an ingest run into star-schema Parquet in the processed bucket",
      timeout: TIMEOUT,
      memorySize: 2048,
      logRetention: settings.logRetentionDays,
      bundle: settings.bundle,
    });
    const fn = this.transform.function;
    fn.addEventSource(
      new SqsEventSource(this.queue.queue, {
        batchSize: 1,
        reportBatchItemFailures: true,
        maxConcurrency: 2,
      }),
    );
    grantPrefixes(stateful.ingestBucket, fn, { read: ["raw/", "runs/"] });
    grantPrefixes(stateful.processedBucket, fn, {
      // Outputs are immutable: a retry that finds an object compares it with what it would write.
      read: ["star/", "state/", "runs/"],
      write: ["star/", "state/", "runs/", "quarantine/"],
      // A failed attempt removes the outputs it created, so a retry starts clean.
      delete: ["star/", "state/"],
    });
    stateful.auditTable.grantWriteData(fn);
    stateful.failureTable.grantWriteData(fn);
    // A run that fails for good is recorded as the transform's blockage; skips are read there.
    stateful.stateTable.grantReadWriteData(fn);
    grantAlertPublish(fn, stateful.alertTopic, stateful.alertKey);
    functionErrorAlarm(this, "TransformErrors", fn, stateful.alertTopic);

    this.catalog = new StarCatalog(this, "StarCatalog", {
      bucket: stateful.processedBucket,
      databaseName: `${settings.stackPrefix.toLowerCase()}_star`,
      columns: props.starColumns,
    });

    new CfnOutput(this, "TransformFunctionName", { value: fn.functionName });
    new CfnOutput(this, "TransformDeadLetterQueueUrl", { value: this.queue.deadLetterQueue.queueUrl });
    new CfnOutput(this, "GlueDatabaseName", { value: this.catalog.database.ref });
    suppressBucketNotificationsHandler(this);
  }
}
