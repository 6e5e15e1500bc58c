import { StatementStillRunningError } from "../errors";
import { classifyStatementError } from "./classify";
import { isTerminal, type ParameterValues, type RedshiftDataApi, type StatementStatus } from "./data-api";
import { waitForStatement } from "./wait";

// Thrown when time runs out; defined with the other load errors, exported here beside its runner.
export { StatementStillRunningError };

/** What to submit: a batch (one transaction, `BatchExecuteStatement`) or one statement with values. */
export type StatementWork =
  | { sqls: readonly string[]; name: string }
  | { sql: string; name: string; parameters?: ParameterValues };

export interface StatementRunOptions {
  /** Epoch ms: no poll after it, and no resubmission whose pause would reach it. */
  deadline: number;
  /** Longest one submission is polled (default: up to the deadline). */
  pollBudgetMs?: number;
  /** Told each statement id once submitted, before it is awaited, so a later attempt can resume it. */
  onSubmitted?(statementId: string): Promise<void>;
}

export interface StatementRunnerOptions {
  api: RedshiftDataApi;
  /** Resubmissions after a serializable isolation violation (1023); `SERIALIZATION_RETRIES`. */
  serializationRetries: number;
  /** Pause before resubmission `n` (1-based); `defaultRetryDelayMs` unless given. */
  retryDelayMs?: (attempt: number) => number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * The one Redshift statement policy of the load: submit, poll to a deadline, resubmit what
 * rolled back for a reason that can pass, hand off what is still running.
 */
export interface StatementRunner {
  /**
   * Submits the work and polls it. A FAILED statement whose error is a serializable isolation
   * violation (or a lost connection: either way the transaction rolled back) is resubmitted after
   * a pause, up to `serializationRetries` times and only while the pause ends before the
   * deadline. Returns the FINISHED status, or the last failure (FAILED, ABORTED) for the caller
   * to report; throws `StatementStillRunningError` when a statement still runs at the deadline.
   */
  run(work: StatementWork, options: StatementRunOptions): Promise<StatementStatus>;
  /** Polls a statement an earlier attempt submitted; still running at the deadline throws as `run` does. */
  resume(statementId: string, options: { deadline: number }): Promise<StatementStatus>;
}

/**
 * Full jitter: a random pause below 2^(n-1) s, capped at 30 s, so loads that collided on a
 * table do not collide again in step.
 */
export function defaultRetryDelayMs(attempt: number): number {
  return Math.floor(Math.random() * Math.min(30_000, 1_000 * 2 ** (attempt - 1)));
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** True when resubmitting the same work can succeed: the statement failed and rolled back for a passing reason. */
export function isResubmittable(status: StatementStatus): boolean {
  return status.state === "FAILED" && classifyStatementError(status.error) !== "terminal";
}

/**
 * @example
 * const statements = createStatementRunner({ api, serializationRetries: config.SERIALIZATION_RETRIES });
 * const status = await statements.run({ sqls, name: "etl-load-1a2b3c4d" }, { deadline });
 */
export function createStatementRunner(options: StatementRunnerOptions): StatementRunner {
  const { api } = options;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const retryDelay = options.retryDelayMs ?? defaultRetryDelayMs;

  const submit = (work: StatementWork) =>
    "sqls" in work ? api.submitBatch(work.sqls, work.name) : api.submit(work.sql, work.name, work.parameters);

  async function poll(statementId: string, deadline: number): Promise<StatementStatus> {
    const status = await waitForStatement(api, statementId, { deadline, now, sleep });
    if (!isTerminal(status.state)) throw new StatementStillRunningError(statementId);
    return status;
  }

  return {
    async run(work, run) {
      for (let attempt = 1; ; attempt++) {
        const statementId = await submit(work);
        await run.onSubmitted?.(statementId);
        const pollUntil =
          run.pollBudgetMs === undefined ? run.deadline : Math.min(run.deadline, now() + run.pollBudgetMs);
        const status = await poll(statementId, pollUntil);
        if (!isResubmittable(status) || attempt > options.serializationRetries) return status;
        const pause = retryDelay(attempt);
        if (now() + pause >= run.deadline) return status;
        await sleep(pause);
      }
    },
    resume(statementId, { deadline }) {
      return poll(statementId, deadline);
    },
  };
}
