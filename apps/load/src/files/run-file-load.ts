import { StatementStillRunningError } from "@etl/db/errors";
import type { TableColumn } from "@etl/db/file-load";
import type { FileRule } from "@etl/db/rules";
import { isRetryable, messageOf, TransientError } from "@etl/schemas";
import { concludeFile, finishDuplicate } from "./steps/conclude-file";
import { fileName } from "./steps/destinations";
import {
  attemptItem,
  type FileAttempt,
  type FileLoadDeps,
  type FileLoadInput,
  type FileLoadOutcome,
  type InvocationTime,
  startAttempt,
  UNMATCHED,
} from "./steps/file-attempt";
import { reportRetry } from "./steps/file-reporter";
import { targetProblems } from "./steps/file-spec";
import { landSplitParts, loadPrepared } from "./steps/load-prepared";
import { type PreparedPart, prepareFile } from "./steps/prepare-file";
import { refuseBusy, skipFile } from "./steps/refuse-delivery";

export type {
  FileLoadDeps,
  FileLoadInput,
  FileLoadLogger,
  FileLoadOutcome,
  InvocationTime,
} from "./steps/file-attempt";

const FIFTEEN_MINUTES: InvocationTime = { remainingMs: () => 15 * 60_000 };
/** Time kept back from the invocation's remaining time: enough to move and report the file. */
const MARGIN_MS = 30_000;

/** What an undecided attempt holds when it fails: the rule and the processing copies written. */
interface Held {
  rule?: FileRule;
  prepared: PreparedPart[];
}

/**
 * Loads one landed object version by the rule that matches its key, exactly once, and never
 * loses it: every path ends with the file in the archive (FINISHED) or the error prefix (FAILED,
 * ABORTED) with a `.reason.json` beside it, the outcome audited (stage `files`), a status event
 * published and an alert sent as the rule says.
 *
 * ABORTED (rejected before loading): no rule matches, the rule is invalid, the file is smaller
 * than `minBytes`, the follow-up is not allow-listed, the warehouse cannot express the rule, the
 * target table or a column is missing, or the file breaks the rule (header, trailer count,
 * record types, compression, Parquet columns). FAILED: the warehouse refused the load (bad data,
 * a failing follow-up); the transaction rolled back, so nothing of the file was loaded.
 * Retryable failures (network, locks, a Redshift statement still running) are reported by the
 * outcome policy with the message's delivery (`input.delivery`) and thrown for the queue to
 * redeliver, after giving up the claim.
 *
 * A split rule writes one part per record type under its `split.to` (under `landing/`): the parts
 * are loaded by their own rules, and the split file is archived.
 *
 * @example
 * const outcome = await runFileLoad({ bucket, key: "landing/sales/2026-11-23.csv", etag }, deps);
 */
export async function runFileLoad(
  input: FileLoadInput,
  deps: FileLoadDeps,
  invocation: InvocationTime = FIFTEEN_MINUTES,
): Promise<FileLoadOutcome> {
  const a = startAttempt(input, deps);
  const claimed = await a.claims.claim(a.id, {
    ...a.base,
    attempt: a.attempt,
    leaseUntil: a.started.getTime() + (deps.leaseMs ?? 15 * 60_000),
    ...(input.etag ? { etag: input.etag } : {}),
    ...(input.size !== undefined ? { size: input.size } : {}),
  });
  if (claimed.kind === "busy") return refuseBusy(a, claimed.claim);
  a.claim = claimed.claim;
  if (claimed.kind === "done") return finishDuplicate(a, a.claim);
  const held: Held = { prepared: [] };
  deps.progress?.tableStarted(input.key);
  const outcome = await decide(
    a,
    held,
    () => deps.clock().getTime() + invocation.remainingMs() - MARGIN_MS,
  ).catch((error: unknown) => recover(a, held, error));
  deps.progress?.tableFinished(input.key, outcome.rows, outcome.durationMs);
  return outcome;
}

/** The object still as announced, its rule, the rule's checks, the preparation, then the load or the split. */
async function decide(a: FileAttempt, held: Held, deadline: () => number): Promise<FileLoadOutcome> {
  const { deps, input } = a;
  const head = await deps.store.head(input.bucket, input.key);
  if (!head) return await skipFile(a, "the object no longer exists");
  if (input.etag && head.etag && head.etag !== input.etag)
    return await skipFile(a, "a newer version replaced the object: its own event loads it");
  a.claim = { ...a.claim, size: head.size, ...(head.etag ? { etag: head.etag } : {}) };

  const match = await deps.rules.match(input.key);
  if (match.kind === "none")
    return await concludeFile(a, "ABORTED", undefined, undefined, {
      refusal: { code: "NO_RULE", reason: `no active rule matches ${input.key}` },
    });
  if (match.kind === "invalid")
    return await concludeFile(a, "ABORTED", undefined, match.name, {
      refusal: {
        code: "INVALID_RULE",
        reason: `rule ${match.name} is not valid: ${match.problems.join("; ")}`,
        details: { problems: match.problems },
      },
    });
  const rule = match.rule;
  held.rule = rule;
  const checked = await checkRule(a, rule, head.size, deadline);
  if ("outcome" in checked) return checked.outcome;

  const preparation = await prepareFile({
    store: deps.store,
    bucket: deps.bucket,
    key: input.key,
    rule,
    id: a.id,
    name: fileName(input.key),
    columns: checked.columns,
  });
  if (preparation.kind === "rejected")
    return await abort(a, rule, preparation.code, preparation.reason, preparation.details);
  held.prepared = preparation.parts;
  if (rule.split) return await landSplitParts(a, rule, preparation);
  return await loadPrepared(a, rule, preparation, checked.columns, deadline());
}

function abort(
  a: FileAttempt,
  rule: FileRule,
  code: string,
  reason: string,
  details?: Record<string, unknown>,
) {
  return concludeFile(a, "ABORTED", rule, rule.name, {
    refusal: { code, reason, ...(details ? { details } : {}) },
  });
}

/** What the rule asks that this file, the allow-list, the warehouse or the target table refuses. */
async function checkRule(
  a: FileAttempt,
  rule: FileRule,
  size: number,
  deadline: () => number,
): Promise<{ columns: TableColumn[] } | { outcome: FileLoadOutcome }> {
  const { deps } = a;
  const refuse = async (code: string, reason: string) => ({ outcome: await abort(a, rule, code, reason) });
  if (size < rule.minBytes)
    return refuse("TOO_SMALL", `the file has ${size} bytes, the rule needs at least ${rule.minBytes}`);
  if (rule.followUp && !deps.followUps.includes(rule.followUp))
    return refuse("FOLLOW_UP_NOT_ALLOWED", `the follow-up ${rule.followUp} is not on the allow-list`);
  const unsupported = deps.warehouse.problems(rule);
  if (unsupported.length > 0)
    return refuse(
      "UNSUPPORTED",
      `the ${deps.warehouse.target} warehouse cannot load this rule: ${unsupported.join("; ")}`,
    );
  if (!rule.target) return { columns: [] };
  const columns = await deps.warehouse.columns(rule.target.schema, rule.target.table, deadline());
  const problem = targetProblems(rule, columns);
  return problem ? refuse("TARGET", problem) : { columns };
}

/**
 * An undecided attempt failed. Retryable: the claim is given up for the redelivery (a Redshift
 * statement still running keeps its processing copy, which it reads). Anything else that cannot
 * succeed on a retry still must not strand the file: it is concluded FAILED.
 */
async function recover(a: FileAttempt, held: Held, error: unknown): Promise<FileLoadOutcome> {
  const { deps, input } = a;
  // Decided already: the error is in finishing the decision, never a reason to decide again.
  if (a.concluded) {
    await reportRetry(a, held.rule?.name ?? a.claim.rule ?? UNMATCHED, error, []);
    throw error;
  }
  if (isRetryable(error)) {
    const runId = held.rule?.name ?? UNMATCHED;
    const item = attemptItem(a, { status: "FAILED", error: messageOf(error) }, runId);
    await reportRetry(a, runId, error, [item]);
    // Otherwise the copy goes; the next attempt writes it again under the same key.
    if (!(error instanceof StatementStillRunningError))
      await Promise.allSettled(held.prepared.map((p) => deps.store.delete(deps.bucket, p.key)));
    await a.claims.release(a.id, a.claim).catch(() => undefined);
    throw error;
  }
  try {
    return await concludeFile(a, "FAILED", held.rule, held.rule?.name, {
      refusal: { code: (error as { code?: string }).code ?? "FAILED", reason: messageOf(error) },
      processing: held.prepared,
    });
  } catch (recording) {
    if (a.concluded) throw recording;
    // Not even the failure could be recorded: keep the file in landing/ for a redelivery, and
    // say what failed first.
    await a.claims.release(a.id, a.claim).catch(() => undefined);
    throw new TransientError(
      `${input.key}: ${messageOf(error)}; recording that failure failed too: ${messageOf(recording)}`,
      { code: "FILE_REPORT_FAILED", cause: error },
    );
  }
}
