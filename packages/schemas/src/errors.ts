/**
 * The one error base of the pipeline. `retryable` tells the handler what to do: retryable errors
 * are thrown so the queue or the schedule redelivers; the rest are bad input, which is
 * quarantined with its reason, audited and alerted, and then acknowledged.
 */
export class EtlError extends Error {
  readonly retryable: boolean;
  readonly code: string;

  constructor(message: string, options: { retryable: boolean; code: string; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.retryable = options.retryable;
    this.code = options.code;
  }
}

/** Bad input: retrying cannot help. */
export class DataError extends EtlError {
  constructor(message: string, options: { code?: string; cause?: unknown } = {}) {
    super(message, { retryable: false, code: options.code ?? "DATA_ERROR", cause: options.cause });
  }
}

/** A dependency failed in a way a later attempt may not (network, throttling, locks). */
export class TransientError extends EtlError {
  /** When the failing side says when to try again (throttling, a lock's holder); a hint only. */
  readonly retryAfterSeconds?: number;

  constructor(message: string, options: { code?: string; cause?: unknown; retryAfterSeconds?: number } = {}) {
    super(message, { retryable: true, code: options.code ?? "TRANSIENT", cause: options.cause });
    if (options.retryAfterSeconds !== undefined) this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** Configuration is missing or wrong: fails at cold start, lists every problem. */
export class ConfigError extends EtlError {
  constructor(
    message: string,
    readonly problems: string[],
  ) {
    super(message, { retryable: false, code: "CONFIG" });
  }
}

/** True when a retry may succeed; unknown errors count as retryable so nothing is dropped. */
export function isRetryable(error: unknown): boolean {
  return error instanceof EtlError ? error.retryable : true;
}

/** The message of anything thrown. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
