import { TransientError } from "@etl/schemas";
import type { QueueVisibility, VisibilityChange } from "../ports";

export interface MemoryQueueVisibility extends QueueVisibility {
  /** Every change asked for, in order (a failed one included). */
  readonly changes: VisibilityChange[];
  /** The next change fails with `error` (a TransientError by default). */
  failNext(error?: Error): void;
}

/** An in-memory `QueueVisibility` that records the visibility changes SQS would have been sent. */
export function createMemoryQueueVisibility(): MemoryQueueVisibility {
  const changes: VisibilityChange[] = [];
  let nextError: Error | undefined;
  return {
    get changes() {
      return [...changes];
    },
    failNext(error) {
      nextError = error ?? new TransientError("injected ChangeMessageVisibility failure");
    },
    async changeVisibility(change) {
      changes.push({ ...change });
      if (nextError) {
        const error = nextError;
        nextError = undefined;
        throw error;
      }
    },
  };
}
