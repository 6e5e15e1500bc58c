import { LoadConfigSchema } from "@etl/load/config";
import { Annotations, CfnOutput, Duration, Stack } from "aws-cdk-lib";
import * as events from "aws-cdk-lib/aws-events";
import * as targets from "aws-cdk-lib/aws-events-targets";
import * as iam from "aws-cdk-lib/aws-iam";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import * as s3 from "aws-cdk-lib/aws-s3";
import * as s3n from "aws-cdk-lib/aws-s3-notifications";
import * as sqs from "aws-cdk-lib/aws-sqs";
import { NagSuppressions } from "cdk-nag";
import type { Construct } from "constructs";
import { EtlFunction } from "../constructs/etl-function";
import { grantAlertPublish, grantPrefixes } from "../constructs/grants";
import { deadLetterAlarm, functionErrorAlarm, QueueWithDlq } from "../constructs/queue-with-dlq";
import { buildEnvironment, whereRead } from "../function-env";
import { HANDLERS, type HandlerSpec } from "../handlers";
import { suppressBucketNotificationsHandler } from "../nag";
import { secretReadStatement } from "../secrets";
import type { Settings } from "../settings";
import type { AppStackProps } from "./app-stack-props";
import { COPY_MANIFEST_PREFIX, createCopyRole, grantRedshiftData } from "./load-redshift-grants";

const TIMEOUT = Duration.minutes(15);

export { COPY_MANIFEST_PREFIX } from "./load-redshift-grants";

/**
 * The `StatementName` prefixes of the Data API statements the load submits with `WithEvent`
 * (`etl-load-<id>` for runs, `etl-file-<id>` for landed files, apps/load): the status rule takes
 * their events only, not every statement of the account. A test holds these to the load's code.
 */
export const DATA_API_STATEMENT_PREFIXES = ["etl-load-", "etl-file-"] as const;

/** The redrive limit of a loader's queue, for a load config that reads it. */
function receiveLimit(queue: QueueWithDlq): Record<string, string | undefined> {
  return whereRead(LoadConfigSchema, { MAX_RECEIVE_COUNT: String(queue.maxReceiveCount) });
}

/** The FIFO message group of a warehouse: loads into one warehouse are serialised. */
export function warehouseGroupId(settings: Settings): string {
  const name =
    settings.warehouseTarget === "postgres"
      ? "postgres"
      : (settings.redshiftWorkgroup ?? settings.redshiftClusterId ?? "redshift");
  return `warehouse-${settings.warehouseTarget}-${name}`.replace(/[^A-Za-z0-9_.-]/g, "-").slice(0, 128);
}

/**
 * The load app. Processed run manifests (`runs/*.json` in the processed bucket) reach a FIFO
 * queue through EventBridge, because S3 cannot notify a FIFO queue; one message group per
 * warehouse serialises the loads. Landed files (`landing/` in the landing bucket) notify a
 * standard queue. With Redshift, a completion handler finalises long statements from the Data
 * API's status events and a five-minute sweep.
 */
export class LoadStack extends Stack {
  readonly runs: EtlFunction;
  readonly files: EtlFunction;
  readonly completion: EtlFunction | undefined;
  readonly runQueue: QueueWithDlq;
  readonly fileQueue: QueueWithDlq;
  readonly copyRoleArn: string | undefined;

  constructor(scope: Construct, id: string, props: AppStackProps) {
    super(scope, id, props);
    const { settings, stateful } = props;
    const redshift = settings.warehouseTarget === "redshift";

    const copyRole = redshift && !settings.redshiftCopyRoleArn ? createCopyRole(this, props) : undefined;
    this.copyRoleArn = redshift ? (settings.redshiftCopyRoleArn ?? copyRole?.roleArn) : undefined;

    const warehouse: Record<string, string | undefined> = redshift
      ? {
          WAREHOUSE_TARGET: "redshift",
          REDSHIFT_WORKGROUP: settings.redshiftWorkgroup,
          REDSHIFT_CLUSTER_ID: settings.redshiftClusterId,
          REDSHIFT_DATABASE: settings.redshiftDatabase,
          REDSHIFT_SECRET_ARN: stateful.secrets.redshift,
          REDSHIFT_COPY_ROLE_ARN: this.copyRoleArn,
        }
      : { WAREHOUSE_TARGET: "postgres", WAREHOUSE_SECRET_ARN: stateful.secrets.warehouse };
    const base = {
      PROCESSED_BUCKET: stateful.processedBucket.bucketName,
      STATE_TABLE: stateful.stateTable.tableName,
      AUDIT_TABLE: stateful.auditTable.tableName,
      FAILURE_TABLE: stateful.failureTable.tableName,
      ALERT_TOPIC_ARN: stateful.alertTopic.topicArn,
      WAREHOUSE_SCHEMA: settings.warehouseSchema,
      ...warehouse,
    };
    const network = { subnetIds: settings.subnetIds, securityGroupIds: settings.securityGroupIds };
    const common = { settings, stateful, network };

    // Processed manifests -> EventBridge -> FIFO queue -> run loader.
    this.runQueue = new QueueWithDlq(this, "RunManifests", {
      fifo: true,
      visibilityTimeout: Duration.seconds(TIMEOUT.toSeconds() * 6),
      maxMessageAge: Duration.hours(1),
      alertTopic: stateful.alertTopic,
    });
    const undeliverable = new sqs.Queue(this, "UndeliveredManifests", {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    NagSuppressions.addResourceSuppressions(undeliverable, [
      {
        id: "AwsSolutions-SQS3",
        reason: "This queue is itself the dead-letter queue of the EventBridge target; its depth is alarmed.",
      },
    ]);
    new events.Rule(this, "ProcessedManifestCreated", {
      description: "A processed run manifest was written: queue its load, one message group per warehouse",
      eventPattern: {
        source: ["aws.s3"],
        detailType: ["Object Created"],
        detail: {
          bucket: { name: [stateful.processedBucket.bucketName] },
          object: { key: events.Match.wildcard("runs/*.json") },
        },
      },
      targets: [
        new targets.SqsQueue(this.runQueue.queue, {
          messageGroupId: warehouseGroupId(settings),
          deadLetterQueue: undeliverable,
          retryAttempts: 185,
          maxEventAge: Duration.hours(24),
        }),
      ],
    });
    deadLetterAlarm(this, "UndeliveredManifestsAlarm", undeliverable, stateful.alertTopic);

    this.runs = this.loadFunction(
      "Runs",
      HANDLERS.loadRuns,
      "Loads a processed run into the warehouse",
      { ...base, ...receiveLimit(this.runQueue) },
      common,
    );
    this.runs.function.addEventSource(
      new SqsEventSource(this.runQueue.queue, { batchSize: 1, reportBatchItemFailures: true }),
    );

    // Landed files -> standard queue -> file loader.
    this.fileQueue = new QueueWithDlq(this, "LandedFiles", {
      visibilityTimeout: Duration.seconds(TIMEOUT.toSeconds() * 6),
      maxMessageAge: Duration.hours(1),
      alertTopic: stateful.alertTopic,
    });
    const landingBucket = s3.Bucket.fromBucketAttributes(this, "LandingBucket", {
      bucketName: stateful.landingBucket.bucketName,
      bucketArn: stateful.landingBucket.bucketArn,
    });
    landingBucket.addEventNotification(
      s3.EventType.OBJECT_CREATED,
      new s3n.SqsDestination(this.fileQueue.queue),
      {
        prefix: "landing/",
      },
    );
    this.files = this.loadFunction(
      "Files",
      HANDLERS.loadFiles,
      "Loads files landed under landing/ by the matching rule",
      {
        ...base,
        ...receiveLimit(this.fileQueue),
        LANDING_BUCKET: stateful.landingBucket.bucketName,
        RULES_SECRET_ARN: stateful.secrets.rules,
        FILE_EVENT_BUS: "default",
        FILE_FOLLOW_UPS: settings.fileFollowUps.length > 0 ? settings.fileFollowUps.join(",") : undefined,
      },
      common,
    );
    // Status events of landed files (FINISHED, FAILED, ABORTED) go to the account's default bus.
    this.files.function.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ["events:PutEvents"],
        resources: [
          Stack.of(this).formatArn({ service: "events", resource: "event-bus", resourceName: "default" }),
        ],
      }),
    );
    this.files.function.addEventSource(
      new SqsEventSource(this.fileQueue.queue, {
        batchSize: 1,
        reportBatchItemFailures: true,
        maxConcurrency: 2,
      }),
    );
    if (redshift && !stateful.secrets.rules) {
      Annotations.of(this).addWarningV2(
        "etl:rules-database",
        "The Redshift target keeps the file-load rules in PostgreSQL: set rulesSecretArn.",
      );
    }

    this.completion = redshift
      ? this.loadFunction(
          "Completion",
          HANDLERS.loadCompletion,
          "Finalises Redshift Data API statements handed off by the loaders",
          { ...base, LANDING_BUCKET: stateful.landingBucket.bucketName },
          { ...common, network: undefined, timeout: Duration.minutes(5), memorySize: 512 },
        )
      : undefined;
    if (this.completion) {
      const target = new targets.LambdaFunction(this.completion.function, { retryAttempts: 2 });
      new events.Rule(this, "StatementStatusChanged", {
        description: "A Redshift Data API statement of the load finished, failed or was aborted",
        eventPattern: {
          source: ["aws.redshift-data"],
          detailType: ["Redshift Data Statement Status Change"],
          detail: {
            statementName: events.Match.anyOf(
              ...DATA_API_STATEMENT_PREFIXES.map((p) => events.Match.prefix(p)),
            ),
          },
        },
        targets: [target],
      });
      new events.Rule(this, "StatementSweep", {
        description: "Sweeps statements whose status event was missed",
        schedule: events.Schedule.rate(Duration.minutes(5)),
        targets: [target],
      });
    }

    if (copyRole) new CfnOutput(this, "RedshiftCopyRoleArn", { value: copyRole.roleArn });
    const outputs: Record<string, string> = {
      RunsFunctionName: this.runs.function.functionName,
      FilesFunctionName: this.files.function.functionName,
      RunsDeadLetterQueueUrl: this.runQueue.deadLetterQueue.queueUrl,
      FilesDeadLetterQueueUrl: this.fileQueue.deadLetterQueue.queueUrl,
      ...(this.completion ? { CompletionFunctionName: this.completion.function.functionName } : {}),
    };
    for (const [name, value] of Object.entries(outputs)) new CfnOutput(this, name, { value });
    suppressBucketNotificationsHandler(this);
  }

  private loadFunction(
    id: string,
    spec: HandlerSpec,
    description: string,
    values: Record<string, string | undefined>,
    options: Pick<AppStackProps, "settings" | "stateful"> & {
      network: { subnetIds: string[]; securityGroupIds: string[] } | undefined;
      timeout?: Duration;
      memorySize?: number;
    },
  ): EtlFunction {
    const { settings, stateful } = options;
    const environment = buildEnvironment(`load ${spec.handler}`, LoadConfigSchema, values);
    const etl = new EtlFunction(this, id, {
      spec,
      environment,
      serviceName: `etl-load-${id.toLowerCase()}`,
      description,
      timeout: options.timeout ?? TIMEOUT,
      memorySize: options.memorySize ?? 1024,
      logRetention: settings.logRetentionDays,
      bundle: settings.bundle,
      ...(options.network ? { network: options.network } : {}),
    });
    const fn = etl.function;

    // Grants follow the environment: each variable that names a resource grants its use.
    grantPrefixes(stateful.processedBucket, fn, { read: ["star/", "runs/"] });
    if (environment.LANDING_BUCKET) {
      const prefixes = ["landing/", "processing/", "archive/", "error/"];
      grantPrefixes(stateful.landingBucket, fn, { read: prefixes, write: prefixes, delete: prefixes });
    }
    stateful.stateTable.grantReadWriteData(fn);
    stateful.auditTable.grantWriteData(fn);
    stateful.failureTable.grantWriteData(fn);
    grantAlertPublish(fn, stateful.alertTopic, stateful.alertKey);
    const secrets = [
      environment.WAREHOUSE_SECRET_ARN,
      environment.REDSHIFT_SECRET_ARN,
      environment.RULES_SECRET_ARN,
    ].filter((arn): arn is string => arn !== undefined);
    if (secrets.length > 0) fn.addToRolePolicy(secretReadStatement(secrets));
    if (environment.WAREHOUSE_TARGET === "redshift") {
      grantRedshiftData(this, fn, settings, environment);
      grantPrefixes(stateful.processedBucket, fn, { write: [COPY_MANIFEST_PREFIX] });
    }
    functionErrorAlarm(this, `${id}Errors`, fn, stateful.alertTopic);
    return etl;
  }
}
