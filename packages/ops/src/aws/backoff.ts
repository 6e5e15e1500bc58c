/** How a bounded retry waits: exponential delays with full jitter, injectable for tests. */
export interface RetryOptions {
  /** Attempts in all, the first included (default 8). */
  maxAttempts?: number;
  /** Upper bound of the first delay (default 50 ms); doubles per attempt. */
  baseDelayMs?: number;
  /** Upper bound of any delay (default 5 s). */
  maxDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** A number in [0, 1), for the jitter. */
  random?: () => number;
}

export interface Backoff {
  maxAttempts: number;
  /** Waits before attempt `attempt + 1`. */
  wait(attempt: number): Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createBackoff(options: RetryOptions = {}): Backoff {
  const base = options.baseDelayMs ?? 50;
  const cap = options.maxDelayMs ?? 5_000;
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  return {
    maxAttempts: Math.max(1, options.maxAttempts ?? 8),
    wait(attempt) {
      const ceiling = Math.min(cap, base * 2 ** (attempt - 1));
      return sleep(Math.floor(random() * ceiling));
    },
  };
}
