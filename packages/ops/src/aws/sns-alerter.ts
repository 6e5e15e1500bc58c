import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import { alertMessage, alertSubject } from "../alert-format";
import type { Alert, Alerter } from "../ports";
import { toOpsError } from "./map-aws-error";

export interface SnsAlerterOptions {
  client: SNSClient;
  topicArn: string;
  clock?: () => Date;
}

/**
 * Publishes alerts to an SNS topic: the subject names stage, table and file in under 100
 * characters; the message is the alert as JSON. Both are redacted of secrets.
 *
 * @example
 * const alerter = createSnsAlerter({ client: new SNSClient({}), topicArn: config.ALERT_TOPIC_ARN });
 */
export function createSnsAlerter(options: SnsAlerterOptions): Alerter {
  const clock = options.clock ?? (() => new Date());
  return {
    async alert(alert: Alert) {
      try {
        await options.client.send(
          new PublishCommand({
            TopicArn: options.topicArn,
            Subject: alertSubject(alert),
            Message: alertMessage(alert, clock()),
          }),
        );
      } catch (error) {
        throw toOpsError(error, `Publish ${options.topicArn}`);
      }
    },
  };
}
