import type { ReceiveCount } from "./outcome-policy";

/** Which delivery of which message an attempt handles: what the reporting policy needs. */
export interface Delivery extends ReceiveCount {
  /** The queue's name, for the alert and the dead-letter note. */
  queue?: string;
  messageId?: string;
}

/** The parts of an SQS event record the delivery is read from. */
export interface ReceivedRecord {
  messageId: string;
  /** SQS sets `ApproximateReceiveCount` ("1" on the first receive). */
  attributes?: { ApproximateReceiveCount?: string };
  eventSourceARN?: string;
}

/** The record's `ApproximateReceiveCount`; 1 when missing or not a positive integer. */
export function receiveCountOf(record: ReceivedRecord): number {
  const count = Number(record.attributes?.ApproximateReceiveCount ?? "1");
  return Number.isInteger(count) && count > 0 ? count : 1;
}

/** The queue's name, the last part of the record's `eventSourceARN`. */
export function queueOf(record: ReceivedRecord): string {
  return record.eventSourceARN?.split(":").at(-1) ?? "queue";
}

/**
 * The delivery of an SQS record, given its queue's redrive `maxReceiveCount` (from config).
 *
 * @example
 * await runTransform({ runId, delivery: deliveryOf(record, config.MAX_RECEIVE_COUNT) }, deps);
 */
export function deliveryOf(record: ReceivedRecord, maxReceiveCount: number): Delivery {
  return {
    receiveCount: receiveCountOf(record),
    maxReceiveCount,
    queue: queueOf(record),
    messageId: record.messageId,
  };
}
