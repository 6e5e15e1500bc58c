import { DataError, TransientError } from "@etl/schemas";
import { classifyStatementError } from "./classify";
import {
  isTerminal,
  type ParameterValues,
  type RedshiftDataApi,
  type ResultRow,
  type StatementStatus,
} from "./data-api";

export interface WaitOptions {
  /** Stop polling at this time (epoch ms) and return the last status, terminal or not. */
  deadline: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** First pause between polls (default 250 ms); grows by half each poll up to `maxDelayMs`. */
  firstDelayMs?: number;
  /** Longest pause between polls (default 5 s). */
  maxDelayMs?: number;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Polls `DescribeStatement` with a growing pause until the statement is FINISHED, FAILED or
 * ABORTED, or until the deadline: then the caller hands the statement off instead of waiting.
 * A pause never runs past the deadline.
 */
export async function waitForStatement(
  api: RedshiftDataApi,
  id: string,
  options: WaitOptions,
): Promise<StatementStatus> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const maxDelay = options.maxDelayMs ?? 5_000;
  let delay = options.firstDelayMs ?? 250;
  for (;;) {
    const status = await api.describe(id);
    if (isTerminal(status.state)) return status;
    const left = options.deadline - now();
    if (left <= 0) return status;
    await sleep(Math.min(delay, left));
    delay = Math.min(maxDelay, Math.ceil(delay * 1.5));
  }
}

/**
 * Runs one query (values as named parameters) and returns its rows. A query that does not
 * finish by the deadline or fails for a retryable reason is a `TransientError`; one that fails
 * otherwise is a `DataError`.
 */
export async function queryRows(
  api: RedshiftDataApi,
  sql: string,
  name: string,
  parameters: ParameterValues,
  options: WaitOptions,
): Promise<ResultRow[]> {
  const id = await api.submit(sql, name, parameters);
  const status = await waitForStatement(api, id, options);
  if (status.state === "FINISHED") return api.rows(id);
  if (!isTerminal(status.state)) {
    throw new TransientError(`query ${id} did not finish in time (${status.state})`, {
      code: "REDSHIFT_SLOW_QUERY",
    });
  }
  const message = `query ${id} ${status.state}: ${status.error ?? "no error given"}`;
  if (status.state === "ABORTED" || classifyStatementError(status.error) !== "terminal") {
    throw new TransientError(message, { code: "REDSHIFT_QUERY_FAILED" });
  }
  throw new DataError(message, { code: "REDSHIFT_QUERY_FAILED" });
}
