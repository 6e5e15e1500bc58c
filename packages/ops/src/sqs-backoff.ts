import { messageOf, TransientError } from "@etl/schemas";
import { receiveCountOf } from "./outcome/delivery";
import type { QueueVisibility } from "./ports";

/** The visibility backoff of a retryable failure (SQS's `ChangeMessageVisibility`). */
export interface BackoffOptions {
  /** The timeout after a first receive fails (default 60 s); doubles per receive. */
  baseSeconds?: number;
  /** The longest timeout (default 900 s). */
  maxSeconds?: number;
  /** A number in [0, 1), for the jitter. */
  random?: () => number;
}

/** SQS's longest visibility timeout: 12 hours. */
export const MAX_VISIBILITY_SECONDS = 43_200;

/** The record fields a visibility change needs. */
export interface BackoffRecord {
  messageId: string;
  receiptHandle?: string;
  attributes?: { ApproximateReceiveCount?: string };
  eventSourceARN?: string;
}

/**
 * The visibility timeout after the `receiveCount`-th receive of a message failed: `baseSeconds`
 * doubling per receive up to `maxSeconds`, less up to half of it at random (so retries of many
 * messages spread, and none comes back at once to burn a receive).
 *
 * @example
 * retryBackoffSeconds(3, () => 0); // 240
 */
export function retryBackoffSeconds(
  receiveCount: number,
  random: () => number = Math.random,
  options: Omit<BackoffOptions, "random"> = {},
): number {
  const base = options.baseSeconds ?? 60;
  const cap = Math.min(options.maxSeconds ?? 900, MAX_VISIBILITY_SECONDS);
  const ceiling = Math.min(cap, base * 2 ** (Math.max(1, receiveCount) - 1));
  return ceiling - Math.floor((random() * ceiling) / 2);
}

/** A `TransientError`'s `retryAfterSeconds` when it gives one, else the backoff of the record's receive. */
export function visibilityTimeoutOf(
  record: BackoffRecord,
  error: unknown,
  backoff: BackoffOptions = {},
): number {
  const hint = error instanceof TransientError ? error.retryAfterSeconds : undefined;
  if (hint !== undefined) return Math.min(Math.max(0, hint), MAX_VISIBILITY_SECONDS);
  return retryBackoffSeconds(receiveCountOf(record), backoff.random, backoff);
}

/**
 * Makes a failed record visible again after `timeoutSeconds`. A failure here changes nothing
 * else: the record is still reported failed, and SQS delivers it after the queue's own timeout.
 */
export async function backOff(
  record: BackoffRecord,
  timeoutSeconds: number,
  logger: { warn(message: string, extra: Record<string, unknown>): void },
  visibility: QueueVisibility | undefined,
): Promise<void> {
  if (!visibility) return;
  const { eventSourceARN: queueArn, receiptHandle } = record;
  try {
    if (!queueArn || !receiptHandle) throw new Error("the record has no eventSourceARN or receiptHandle");
    await visibility.changeVisibility({ queueArn, receiptHandle, timeoutSeconds });
  } catch (error) {
    logger.warn("could not back off a failed message", {
      messageId: record.messageId,
      timeoutSeconds,
      error: messageOf(error),
    });
  }
}
