import { ChangeMessageVisibilityCommand, GetQueueUrlCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { QueueVisibility } from "../ports";
import { toOpsError } from "./map-aws-error";

export interface SqsQueueVisibilityOptions {
  client: SQSClient;
}

/** `arn:<partition>:sqs:<region>:<account>:<name>` → its account and name. */
function queueOfArn(queueArn: string): { account: string; name: string } {
  const [prefix, , service, , account, name, ...rest] = queueArn.split(":");
  if (prefix !== "arn" || service !== "sqs" || !account || !name || rest.length > 0)
    throw new Error(`${queueArn} is not an SQS queue ARN (arn:aws:sqs:<region>:<account>:<name>)`);
  return { account, name };
}

/**
 * `ChangeMessageVisibility` on the queue a record came from. The queue URL is asked of SQS
 * (`GetQueueUrl`, once per queue and cold start) rather than built from the ARN: SQS's host
 * differs by partition (`amazonaws.com.cn` in China) and the SDK sends the call to the URL's
 * host. The event-source mapping's grant already allows both calls.
 *
 * @example
 * const visibility = createSqsQueueVisibility({ client: new SQSClient({}) });
 */
export function createSqsQueueVisibility(options: SqsQueueVisibilityOptions): QueueVisibility {
  const urls = new Map<string, Promise<string>>();
  const urlOf = (queueArn: string): Promise<string> => {
    const cached = urls.get(queueArn);
    if (cached) return cached;
    const { account, name } = queueOfArn(queueArn);
    const url = options.client
      .send(new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: account }))
      .then((response) => {
        if (!response.QueueUrl) throw new Error(`GetQueueUrl ${name}: no QueueUrl in the response`);
        return response.QueueUrl;
      })
      .catch((error: unknown) => {
        // Not cached: the next failed message asks again.
        urls.delete(queueArn);
        throw toOpsError(error, `GetQueueUrl ${name}`);
      });
    urls.set(queueArn, url);
    return url;
  };
  return {
    async changeVisibility({ queueArn, receiptHandle, timeoutSeconds }) {
      const queueUrl = await urlOf(queueArn);
      try {
        await options.client.send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: queueUrl,
            ReceiptHandle: receiptHandle,
            VisibilityTimeout: timeoutSeconds,
          }),
        );
      } catch (error) {
        throw toOpsError(error, `ChangeMessageVisibility ${queueUrl}`);
      }
    },
  };
}

/**
 * The visibility port a Lambda function uses: SQS when running on Lambda (the runtime sets
 * `AWS_LAMBDA_FUNCTION_NAME`), none elsewhere. The local queue runtime delays a failed
 * message's retry itself, from the batch response, so it gets none.
 */
export function queueVisibilityOnLambda(
  env: Record<string, string | undefined>,
): QueueVisibility | undefined {
  if (!env.AWS_LAMBDA_FUNCTION_NAME) return undefined;
  return createSqsQueueVisibility({
    client: new SQSClient({ ...(env.AWS_REGION ? { region: env.AWS_REGION } : {}) }),
  });
}
