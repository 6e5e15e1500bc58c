import { TransientError } from "@etl/schemas";
import { alertMessage, alertSubject } from "../alert-format";
import type { Alert, Alerter } from "../ports";

/** An alert as SNS would have received it. */
export interface SentAlert {
  alert: Alert;
  subject: string;
  /** The JSON message, parsed. */
  message: Record<string, unknown>;
}

export interface MemoryAlerter extends Alerter {
  readonly sent: SentAlert[];
  /** The next alert fails with `error` (a TransientError by default). */
  failNext(error?: Error): void;
}

/** An in-memory `Alerter` that keeps what SNS would have published (subject and JSON body, redacted). */
export function createMemoryAlerter(options: { clock?: () => Date } = {}): MemoryAlerter {
  const clock = options.clock ?? (() => new Date());
  const sent: SentAlert[] = [];
  let nextError: Error | undefined;
  return {
    get sent() {
      return [...sent];
    },
    failNext(error) {
      nextError = error ?? new TransientError("injected alert failure");
    },
    async alert(alert) {
      if (nextError) {
        const error = nextError;
        nextError = undefined;
        throw error;
      }
      sent.push({
        alert,
        subject: alertSubject(alert),
        message: JSON.parse(alertMessage(alert, clock())) as Record<string, unknown>,
      });
    },
  };
}
