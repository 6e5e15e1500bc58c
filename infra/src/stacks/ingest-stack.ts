import { IngestConfigSchema } from "@etl/ingest/config";
import { CfnOutput, Duration, Stack } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as actions from "aws-cdk-lib/aws-cloudwatch-actions";
import * as events from "aws-cdk-lib/aws-events";
import * as targets from "aws-cdk-lib/aws-events-targets";
import type { Construct } from "constructs";
import { EtlFunction } from "../constructs/etl-function";
import { grantAlertPublish, grantPrefixes } from "../constructs/grants";
import { functionErrorAlarm } from "../constructs/queue-with-dlq";
import { buildEnvironment } from "../function-env";
import { HANDLERS } from "../handlers";
import { secretReadStatement } from "../secrets";
import type { AppStackProps } from "./app-stack-props";

/** The longest period a CloudWatch alarm may watch. */
const MAX_ALARM_WINDOW_MINUTES = 24 * 60;

/**
 * The ingest app: a schedule that invokes the function, which reads changed totesys rows and
 * writes them with a run manifest to the ingest bucket. Alarms: errors, and no run at all in
 * two schedule periods (a disabled rule, a broken permission, a throttled account).
 */
export class IngestStack extends Stack {
  readonly ingest: EtlFunction;
  readonly schedule: events.Rule;
  readonly notRunAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: AppStackProps) {
    super(scope, id, props);
    const { settings, stateful } = props;

    const environment = buildEnvironment("ingest", IngestConfigSchema, {
      INGEST_BUCKET: stateful.ingestBucket.bucketName,
      STATE_TABLE: stateful.stateTable.tableName,
      AUDIT_TABLE: stateful.auditTable.tableName,
      FAILURE_TABLE: stateful.failureTable.tableName,
      ALERT_TOPIC_ARN: stateful.alertTopic.topicArn,
      DB_SECRET_ARN: stateful.secrets.db,
    });

    this.ingest = new EtlFunction(this, "Ingest", {
      spec: HANDLERS.ingest,
      environment,
      serviceName: "etl-ingest",
      description: "Reads totesys rows changed since the watermarks into the ingest bucket",
      timeout: Duration.minutes(15),
      memorySize: 1024,
      logRetention: settings.logRetentionDays,
      bundle: settings.bundle,
      network: { subnetIds: settings.subnetIds, securityGroupIds: settings.securityGroupIds },
    });
    const fn = this.ingest.function;
    // keys/: each table's key set, which the next run reads back to find hard deletes.
    grantPrefixes(stateful.ingestBucket, fn, { read: ["keys/"], write: ["raw/", "runs/", "keys/"] });
    stateful.stateTable.grantReadWriteData(fn);
    stateful.auditTable.grantWriteData(fn);
    stateful.failureTable.grantWriteData(fn);
    grantAlertPublish(fn, stateful.alertTopic, stateful.alertKey);
    if (stateful.secrets.db) fn.addToRolePolicy(secretReadStatement([stateful.secrets.db]));

    const rate = Duration.minutes(settings.ingestRateMinutes);
    this.schedule = new events.Rule(this, "Schedule", {
      description: `Runs the ingest every ${settings.ingestRateMinutes} minutes`,
      schedule: events.Schedule.rate(rate),
      targets: [new targets.LambdaFunction(fn, { retryAttempts: 2 })],
    });

    functionErrorAlarm(this, "IngestErrors", fn, stateful.alertTopic);
    const window = Math.min(2 * settings.ingestRateMinutes, MAX_ALARM_WINDOW_MINUTES);
    this.notRunAlarm = new cloudwatch.Alarm(this, "IngestNotRun", {
      alarmDescription: `The ingest has not been invoked for ${window} minutes: check the schedule rule.`,
      metric: fn.metricInvocations({ period: Duration.minutes(window), statistic: cloudwatch.Stats.SUM }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
    this.notRunAlarm.addAlarmAction(new actions.SnsAction(stateful.alertTopic));

    new CfnOutput(this, "IngestFunctionName", { value: fn.functionName });
  }
}
