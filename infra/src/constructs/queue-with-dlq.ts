import { Duration } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as actions from "aws-cdk-lib/aws-cloudwatch-actions";
import type * as sns from "aws-cdk-lib/aws-sns";
import * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";

/**
 * Receives before a message moves to its dead-letter queue. A handler backs a retryable failure
 * off with `ChangeMessageVisibility` and reports the message as failed; several receives let a
 * run ride out a warehouse restart or throttling instead of being dead-lettered while the next
 * run (the next message of its FIFO group) loads ahead of it. With the handlers' backoff (60 s doubling to 15 minutes), 10 receives give a
 * message about 1.5 hours of retries (5 would dead-letter a run after 8 to 15 minutes, shorter than
 * a long Redshift statement another run has handed off).
 */
export const MAX_RECEIVE_COUNT = 10;

export interface QueueWithDlqProps {
  fifo?: boolean;
  /**
   * At least the consumer's timeout (SQS event sources refuse less); six times it, as Lambda's
   * SQS guidance asks, leaves room for the poller's retries.
   */
  visibilityTimeout: Duration;
  /** Receives before a message moves to the dead-letter queue; default `MAX_RECEIVE_COUNT`. */
  maxReceiveCount?: number;
  /** Alarm when the oldest message has waited longer than this. */
  maxMessageAge: Duration;
  alertTopic: sns.ITopic;
}

/**
 * A queue with its dead-letter queue (SQS-managed encryption, TLS only), and the two alarms
 * every queue of the pipeline has: anything in the dead-letter queue, and a backlog whose
 * oldest message is older than it should be.
 */
export class QueueWithDlq extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly dlqDepthAlarm: cloudwatch.Alarm;
  readonly oldestMessageAlarm: cloudwatch.Alarm;
  readonly maxReceiveCount: number;

  constructor(scope: Construct, id: string, props: QueueWithDlqProps) {
    super(scope, id);
    this.maxReceiveCount = props.maxReceiveCount ?? MAX_RECEIVE_COUNT;
    const fifo = props.fifo ?? false;
    this.deadLetterQueue = new sqs.Queue(this, "DeadLetterQueue", {
      fifo: fifo || undefined,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new sqs.Queue(this, "Queue", {
      fifo: fifo || undefined,
      // EventBridge cannot set a deduplication id: duplicates of one event share its body.
      contentBasedDeduplication: fifo || undefined,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: props.visibilityTimeout,
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: this.maxReceiveCount },
    });

    this.dlqDepthAlarm = deadLetterAlarm(this, "DeadLetterAlarm", this.deadLetterQueue, props.alertTopic);
    this.oldestMessageAlarm = new cloudwatch.Alarm(this, "OldestMessageAlarm", {
      alarmDescription: `The oldest message of ${this.node.path} waits too long: the consumer is stuck or failing.`,
      metric: this.queue.metricApproximateAgeOfOldestMessage({
        period: Duration.minutes(5),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold: props.maxMessageAge.toSeconds(),
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.oldestMessageAlarm.addAlarmAction(new actions.SnsAction(props.alertTopic));
  }
}

/** Alarms on any error of a function, wired to the alert topic. */
export function functionErrorAlarm(
  scope: Construct,
  id: string,
  fn: { metricErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric; node: { path: string } },
  alertTopic: sns.ITopic,
): cloudwatch.Alarm {
  const alarm = new cloudwatch.Alarm(scope, id, {
    alarmDescription: `${fn.node.path} failed: see its log group and the failure table.`,
    metric: fn.metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
    threshold: 1,
    evaluationPeriods: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  alarm.addAlarmAction(new actions.SnsAction(alertTopic));
  return alarm;
}

/** Alarms as soon as a dead-letter queue holds a message, wired to the alert topic. */
export function deadLetterAlarm(
  scope: Construct,
  id: string,
  queue: sqs.IQueue,
  alertTopic: sns.ITopic,
): cloudwatch.Alarm {
  const alarm = new cloudwatch.Alarm(scope, id, {
    alarmDescription: `Messages in the dead-letter queue ${queue.node.path}: inspect, fix, redrive.`,
    metric: queue.metricApproximateNumberOfMessagesVisible({
      period: Duration.minutes(5),
      statistic: cloudwatch.Stats.MAXIMUM,
    }),
    threshold: 1,
    evaluationPeriods: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  alarm.addAlarmAction(new actions.SnsAction(alertTopic));
  return alarm;
}
