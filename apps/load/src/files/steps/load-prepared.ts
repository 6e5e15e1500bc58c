import { loadErrorContext } from "@etl/db/errors";
import type { TableColumn } from "@etl/db/file-load";
import type { FileRule } from "@etl/db/rules";
import { isRetryable, messageOf } from "@etl/schemas";
import { concludeFile } from "./conclude-file";
import { ledgerKey } from "./destinations";
import type { FileAttempt, FileLoadOutcome } from "./file-attempt";
import { toFileLoadSpec } from "./file-spec";
import type { FileLoadResult } from "./file-warehouse";
import type { PreparedPart } from "./prepare-file";
import { keepClaim } from "./refuse-delivery";

type Prepared = { sha256: string; records: number; parts: PreparedPart[] };

/**
 * A split rule: each part must be taken by another valid rule; the parts are landed (once, even
 * by a taken-over attempt) for their rules to load, and the split file is archived.
 */
export async function landSplitParts(
  a: FileAttempt,
  rule: FileRule,
  prepared: Prepared,
): Promise<FileLoadOutcome> {
  const { deps } = a;
  for (const part of prepared.parts) {
    const landing = part.landingKey ?? "";
    const next = await deps.rules.match(landing);
    if (next.kind !== "matched" || next.rule.name === rule.name)
      return await concludeFile(a, "ABORTED", rule, rule.name, {
        refusal: {
          code: "SPLIT_UNMATCHED",
          reason: `the ${part.type} part would land at ${landing}, which ${next.kind === "matched" ? "this rule takes again" : "no valid rule takes"}`,
        },
        processing: prepared.parts,
      });
  }
  // A taken-over attempt does not land the parts twice.
  if (!a.claim.parts) {
    for (const part of prepared.parts) {
      const landing = part.landingKey ?? "";
      await deps.store.copy(deps.bucket, part.key, landing);
      a.parts.push(landing);
    }
    await keepClaim(a, { ...a.claim, parts: [...a.parts] });
  } else a.parts.push(...a.claim.parts);
  return await concludeFile(a, "FINISHED", rule, rule.name, {
    rows: prepared.records,
    processing: prepared.parts,
  });
}

/**
 * Loads the processing copy into the target. The Redshift statement id is kept in the claim once
 * submitted, so a later attempt resumes it. A refusal that cannot pass is FAILED (nothing of the
 * file committed); anything retryable is thrown.
 */
export async function loadPrepared(
  a: FileAttempt,
  rule: FileRule,
  prepared: Prepared,
  columns: readonly TableColumn[],
  deadline: number,
): Promise<FileLoadOutcome> {
  const { deps } = a;
  const [part] = prepared.parts;
  if (!part) throw new Error("a load without its processing copy");
  const spec = toFileLoadSpec(rule, columns, {
    schema: deps.ledgerSchema,
    key: ledgerKey(deps.bucket, rule.name, a.id),
    sha256: prepared.sha256,
    rows: prepared.records,
    at: deps.clock(),
  });
  let loaded: FileLoadResult;
  try {
    loaded = await deps.warehouse.load({
      rule,
      spec,
      bucket: deps.bucket,
      key: part.key,
      deadline,
      ...(a.claim.statementId ? { statementId: a.claim.statementId } : {}),
      onSubmitted: (statementId) => keepClaim(a, { ...a.claim, statementId }),
    });
  } catch (error) {
    if (isRetryable(error)) throw error;
    const context = loadErrorContext(error);
    return await concludeFile(a, "FAILED", rule, rule.name, {
      refusal: {
        code: (error as { code?: string }).code ?? "LOAD_FAILED",
        reason: `the load failed: ${messageOf(error)}`,
        ...(context ? { context } : {}),
      },
      processing: prepared.parts,
    });
  }
  if (loaded.status === "already-loaded")
    deps.logger?.info("landed file was loaded by an earlier attempt", {
      key: a.input.key,
      version: a.version,
    });
  return await concludeFile(a, "FINISHED", rule, rule.name, {
    rows: loaded.status === "loaded" ? loaded.rows : prepared.records,
    processing: prepared.parts,
  });
}
