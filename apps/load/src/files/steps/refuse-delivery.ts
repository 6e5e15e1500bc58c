import { TransientError } from "@etl/schemas";
import type { FileClaim } from "./claims";
import { attemptItem, auditAttempt, type FileAttempt, type FileLoadOutcome, UNMATCHED } from "./file-attempt";
import { reportRetry } from "./file-reporter";

/**
 * Another attempt holds the lease: refused as retryable, with the lease's remaining time as the
 * hint for when to deliver again, and audited (status BUSY) so a stuck file shows up.
 */
export async function refuseBusy(a: FileAttempt, holder: FileClaim): Promise<never> {
  const { deps, input } = a;
  const waitMs = Math.max(1_000, holder.leaseUntil - deps.clock().getTime());
  const error = new TransientError(
    `${input.key} (${a.version}) is being loaded by the attempt of ${holder.attempt}; retry in ${Math.ceil(waitMs / 1000)} s, when its lease ends`,
    { code: "FILE_BUSY", retryAfterSeconds: waitMs / 1000 },
  );
  // A wait: audited BUSY (so a stuck file shows up), alerted only if its last receive fails.
  const match = await deps.rules.match(input.key).catch(() => undefined);
  const runId =
    !match || match.kind === "none" ? UNMATCHED : match.kind === "matched" ? match.rule.name : match.name;
  const item = attemptItem(a, { status: "BUSY", error: error.message }, runId);
  await reportRetry(a, runId, error, [
    {
      ...item,
      ...(input.etag ? { etag: input.etag } : {}),
      ...(input.size !== undefined ? { size: input.size } : {}),
    },
  ]);
  throw error;
}

/** The object is gone or replaced: nothing to load, the claim is given up. */
export async function skipFile(a: FileAttempt, why: string): Promise<FileLoadOutcome> {
  await a.claims.release(a.id, a.claim);
  await auditAttempt(a, { status: "SKIPPED", error: why }, UNMATCHED);
  a.deps.logger?.info("landed file skipped", { key: a.input.key, version: a.version, why });
  return { status: "SKIPPED", ...a.base, rows: 0, error: why, durationMs: a.elapsed() };
}

export function takenOver(a: FileAttempt): TransientError {
  return new TransientError(`${a.input.key} (${a.version}): another attempt took the file over`, {
    code: "FILE_TAKEN_OVER",
  });
}

/** Keeps the claim's lease, or fails retryable when another attempt took the version over. */
export async function keepClaim(a: FileAttempt, claim: FileClaim): Promise<void> {
  a.claim = claim;
  if (!(await a.claims.own(a.id, a.claim))) throw takenOver(a);
}
