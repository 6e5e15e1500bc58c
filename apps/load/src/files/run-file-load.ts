import {
  DEFAULT_PREFIXES,
  type FileLoadSpec,
  type FileRule,
  type LoadErrorContext,
  loadErrorContext,
  type RuleMatch,
  StatementStillRunningError,
  type TableColumn,
} from "@etl/db";
import type { Alerter, AuditItem, AuditLog, createLogger, StateStore } from "@etl/ops";
import type { ObjectStore } from "@etl/s3-io";
import { isRetryable, messageOf, TransientError } from "@etl/schemas";
import { createClaims, type FileClaim, type FileStatus, type ReportStep } from "./steps/claims";
import { fileId, fileName, jsonPathsKey, ledgerKey, moveKey, versionTag } from "./steps/destinations";
import type { FileWarehouse } from "./steps/file-warehouse";
import type { LandedObject } from "./steps/landed-objects";
import { type PreparedPart, prepareFile } from "./steps/prepare-file";
import { type StatusEvents, toStatusEvent } from "./steps/status-events";

export type FileLoadLogger = Pick<ReturnType<typeof createLogger>, "info" | "warn">;

export interface FileLoadDeps {
  store: ObjectStore;
  /** The landing bucket: landed files, their processing copies, archive and error prefixes. */
  bucket: string;
  rules: { match(key: string): Promise<RuleMatch> };
  warehouse: FileWarehouse;
  state: StateStore;
  audit: AuditLog;
  alerter: Alerter;
  events: StatusEvents;
  clock: () => Date;
  /** `schema.procedure` names a rule may call after its load. */
  followUps: readonly string[];
  /** Schema of the warehouse ledger (`loaded_files`). */
  ledgerSchema: string;
  /** How long a claim is owned before another delivery may take it over (default 15 minutes). */
  leaseMs?: number;
  logger?: FileLoadLogger;
}

/** How much time the invocation has left; a local run or a test has plenty. */
export interface InvocationTime {
  remainingMs(): number;
}

export interface FileLoadOutcome {
  /** `SKIPPED`: a duplicate event, or an object already gone or replaced; nothing done. */
  status: FileStatus | "SKIPPED";
  bucket: string;
  key: string;
  version: string;
  rule?: string;
  /** Where the file ended (archive or error key). */
  destination?: string;
  rows: number;
  /** Split: where the parts landed. */
  parts?: string[];
  error?: string;
  durationMs: number;
}

/** An ABORTED or FAILED outcome, with what the failure item needs. */
interface Refusal {
  code: string;
  reason: string;
  details?: Record<string, unknown>;
  context?: LoadErrorContext;
}

const FIFTEEN_MINUTES: InvocationTime = { remainingMs: () => 15 * 60_000 };
/** Time kept back from the invocation's remaining time: enough to move and report the file. */
const MARGIN_MS = 30_000;
const UNMATCHED = "unmatched";

function notifies(notify: string | undefined, status: FileStatus): boolean {
  if (notify === "none") return false;
  if (notify === "both") return true;
  if (notify === "success") return status === "FINISHED";
  return status !== "FINISHED";
}

function withMessage(rule: FileRule | undefined, reason: string): string {
  return rule?.errorMessage ? `${reason} - ${rule.errorMessage}` : reason;
}

/** Columns of the rule missing from the target, or why the target cannot take the file. */
function targetProblems(rule: FileRule, columns: readonly TableColumn[]): string | undefined {
  const target = `${rule.target?.schema}.${rule.target?.table}`;
  if (columns.length === 0) return `the target table ${target} does not exist`;
  const known = new Set(columns.map((c) => c.name));
  const missing = (rule.columns ?? []).flatMap((c) =>
    c.name !== undefined && !known.has(c.name) ? [c.name] : [],
  );
  return missing.length > 0 ? `${target} has no column ${missing.join(", ")}` : undefined;
}

function buildSpec(
  rule: FileRule,
  columns: readonly TableColumn[],
  ledger: { schema: string; key: string; sha256: string; rows: number; at: Date },
): FileLoadSpec {
  const types = new Map(columns.map((c) => [c.name, c.dataType]));
  const target = rule.target ?? { schema: "", table: "" };
  return {
    schema: target.schema,
    table: target.table,
    fields: (rule.columns ?? []).map((c) =>
      c.name === undefined
        ? {}
        : { column: c.name, ...(types.has(c.name) ? { dataType: types.get(c.name) } : {}) },
    ),
    mode: rule.writeMode,
    keys: rule.mergeKeys ?? [],
    timeZone: rule.timeZone,
    ...(rule.followUp ? { followUp: rule.followUp } : {}),
    ledger: {
      controlSchema: ledger.schema,
      key: ledger.key,
      runId: `files:${rule.name}`,
      table: `${target.schema}.${target.table}`,
      sha256: ledger.sha256,
      rows: ledger.rows,
      loadedAt: ledger.at,
    },
  };
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
 * Retryable failures (network, locks, a Redshift statement still running) are thrown for the
 * queue to redeliver, after giving up the claim.
 *
 * A split rule writes one part per record type under its `split.to` (under `landing/`): the parts
 * are loaded by their own rules, and the split file is archived.
 *
 * @example
 * const outcome = await runFileLoad({ bucket, key: "landing/sales/2026-11-23.csv", etag }, deps);
 */
export async function runFileLoad(
  input: LandedObject,
  deps: FileLoadDeps,
  invocation: InvocationTime = FIFTEEN_MINUTES,
): Promise<FileLoadOutcome> {
  const started = deps.clock();
  const t0 = performance.now();
  const attempt = started.toISOString();
  const id = fileId(input);
  const version = versionTag(input);
  const claims = createClaims(deps.state, () => deps.clock().getTime());
  const elapsed = () => Math.round(performance.now() - t0);
  const base = { bucket: input.bucket, key: input.key, version };

  /**
   * Another attempt holds the lease: refused as retryable, with the lease's remaining time as the
   * hint for when to deliver again, and audited (status BUSY) so a stuck file shows up.
   */
  async function busy(holder: FileClaim): Promise<never> {
    const waitMs = Math.max(1_000, holder.leaseUntil - deps.clock().getTime());
    const error = new TransientError(
      `${input.key} (${version}) is being loaded by the attempt of ${holder.attempt}; retry in ${Math.ceil(waitMs / 1000)} s, when its lease ends`,
      { code: "FILE_BUSY", retryAfterSeconds: waitMs / 1000 },
    );
    try {
      const match = await deps.rules.match(input.key);
      await deps.audit.record([
        {
          stage: "files",
          runId: match.kind === "none" ? UNMATCHED : match.kind === "matched" ? match.rule.name : match.name,
          key: input.key,
          attempt,
          status: "BUSY",
          bucket: input.bucket,
          durationMs: elapsed(),
          error: error.message,
          ...(input.etag ? { etag: input.etag } : {}),
          ...(input.size !== undefined ? { size: input.size } : {}),
        },
      ]);
    } catch (auditError) {
      // The refusal is what matters: the delivery is retried either way.
      deps.logger?.warn("busy delivery not audited", { key: input.key, error: messageOf(auditError) });
    }
    throw error;
  }

  const claimed = await claims.claim(id, {
    ...base,
    attempt,
    leaseUntil: started.getTime() + (deps.leaseMs ?? 15 * 60_000),
    ...(input.etag ? { etag: input.etag } : {}),
    ...(input.size !== undefined ? { size: input.size } : {}),
  });
  if (claimed.kind === "busy") return busy(claimed.claim);
  let claim = claimed.claim;
  const parts: string[] = [];
  /** True once this attempt's outcome is written to the claim: it is never decided again. */
  let concluded = false;

  const audit = async (item: Partial<AuditItem> & Pick<AuditItem, "status">, runId: string) => {
    await deps.audit.record([
      {
        stage: "files",
        runId,
        key: input.key,
        attempt,
        bucket: input.bucket,
        durationMs: elapsed(),
        ...(claim.etag ? { etag: claim.etag } : {}),
        ...(claim.size !== undefined ? { size: claim.size } : {}),
        ...item,
      },
    ]);
  };

  /** Copies the file to `destination` (once) and removes it from landing/ and processing/. */
  const move = async (c: FileClaim, reasonDocument?: Record<string, unknown>) => {
    if (!c.destination) return;
    const there = await deps.store.head(deps.bucket, c.destination);
    if (!there) await deps.store.copy(deps.bucket, input.key, c.destination);
    if (reasonDocument)
      await deps.store.put(
        deps.bucket,
        `${c.destination}.reason.json`,
        JSON.stringify(reasonDocument, null, 2),
        {
          contentType: "application/json",
        },
      );
    await deps.store.delete(deps.bucket, input.key);
  };

  /**
   * Audit item, failure item, status event and alert. Each is attempted even when an earlier one
   * fails (an audit table that refuses a write must not silence the alert); the steps that are out
   * are kept in the claim, so a redelivery finishing the report repeats none of them.
   */
  const report = async (c: FileClaim, rule: FileRule | undefined, refusal?: Refusal): Promise<FileClaim> => {
    const done = new Set<ReportStep>(c.reportedSteps ?? []);
    const problems: string[] = [];
    const step = async (name: ReportStep, fn: () => Promise<void>) => {
      if (done.has(name)) return;
      try {
        await fn();
        done.add(name);
      } catch (error) {
        problems.push(`${name}: ${messageOf(error)}`);
      }
    };
    const status = c.status ?? "FAILED";
    const runId = c.rule ?? UNMATCHED;
    // The outcome's item belongs to the attempt that decided it (a redelivery finishing the
    // report audits its own SKIPPED beside it).
    await step("audit", () =>
      audit(
        {
          status,
          attempt: c.attempt,
          ...(c.table ? { table: c.table } : {}),
          ...(c.rows !== undefined ? { rows: c.rows } : {}),
          ...(c.statementId ? { statementId: c.statementId } : {}),
          ...(c.error ? { error: c.error } : {}),
        },
        runId,
      ),
    );
    if (status !== "FINISHED") {
      await step("failure", () =>
        deps.audit.recordFailure({
          stage: "files",
          runId,
          error: c.error ?? status,
          retryable: false,
          key: input.key,
          ...(c.table ? { table: c.table } : {}),
          ...(refusal?.context?.sql ? { sql: refusal.context.sql } : {}),
          details: {
            status,
            code: refusal?.code ?? status,
            destination: c.destination,
            version,
            ...(refusal?.details ?? {}),
            ...(refusal?.context?.details ?? {}),
          },
        }),
      );
    }
    await step("event", () =>
      deps.events.publish(
        toStatusEvent(
          {
            status,
            ...base,
            ...(c.rule ? { rule: c.rule } : {}),
            ...(c.table ? { target: c.table } : {}),
            rows: c.rows ?? 0,
            destination: c.destination ?? "",
            ...(c.parts && c.parts.length > 0 ? { parts: c.parts } : {}),
            ...(c.error ? { error: c.error } : {}),
            attempt,
            durationMs: elapsed(),
          },
          deps.clock(),
        ),
      ),
    );
    // No rule, or an invalid one, cannot say who to tell: a person must look, so it alerts.
    if (notifies(rule?.notify ?? c.notify ?? "failure", status)) {
      await step("alert", () =>
        deps.alerter.alert({
          stage: "files",
          runId,
          ...(c.table ? { table: c.table } : {}),
          key: input.key,
          subject:
            status === "FINISHED"
              ? `FINISHED: ${c.rows ?? 0} rows${c.table ? ` into ${c.table}` : ""}${c.parts?.length ? `, ${c.parts.length} parts` : ""}`
              : `${status}: ${c.error ?? ""}`,
          detail: {
            status,
            ...base,
            rule: c.rule ?? null,
            destination: c.destination,
            rows: c.rows ?? 0,
            ...(c.parts?.length ? { parts: c.parts } : {}),
            ...(c.error ? { error: c.error } : {}),
            ...(refusal ? { code: refusal.code } : {}),
            attempt,
          },
        }),
      );
    }
    const reported: FileClaim = { ...c, reportedSteps: [...done] };
    if (problems.length > 0) {
      await claims.save(id, reported).catch(() => undefined);
      throw new Error(problems.join("; "));
    }
    return { ...reported, reported: true };
  };

  /** A decided outcome that could not be moved or reported: retryable, the redelivery finishes it. */
  const unfinished = (c: FileClaim, error: unknown) =>
    new TransientError(
      `${input.key}: ${c.status}${c.error ? ` (${c.error})` : ""} is recorded, destination ${c.destination}, but finishing it failed: ${messageOf(error)}; a redelivery finishes it`,
      { code: "FILE_REPORT_FAILED", cause: error },
    );

  /** Decides the outcome: record it, move the file, report, mark reported. */
  const conclude = async (
    status: FileStatus,
    rule: FileRule | undefined,
    ruleName: string | undefined,
    result: { rows?: number; refusal?: Refusal; processing?: readonly PreparedPart[] },
  ): Promise<FileLoadOutcome> => {
    const at = deps.clock();
    const prefixes = rule?.prefixes ?? DEFAULT_PREFIXES;
    const prefix = status === "FINISHED" ? prefixes.archive : prefixes.error;
    let destination = moveKey(prefix, ruleName ?? UNMATCHED, at, fileName(input.key));
    const existing = await deps.store.head(deps.bucket, destination);
    // Never overwrite: another file of the same name went there today.
    if (existing && existing.etag !== claim.etag) destination = `${destination}.${id.slice(0, 12)}`;
    const error = result.refusal ? withMessage(rule, result.refusal.reason) : undefined;
    const decision: FileClaim = {
      ...claim,
      status,
      destination,
      leaseUntil: 0,
      reported: false,
      rows: result.rows ?? 0,
      ...(ruleName ? { rule: ruleName } : {}),
      ...(rule?.target ? { table: `${rule.target.schema}.${rule.target.table}` } : {}),
      ...(error ? { error } : {}),
      ...(parts.length > 0 ? { parts } : {}),
      notify: rule?.notify ?? "failure",
    };
    // The outcome is recorded before the move: a crash after it is finished by the next delivery.
    // Conditional: a version decided once (by this attempt or one that took it over) stays so.
    if (!(await claims.own(id, decision))) return lost();
    claim = decision;
    concluded = true;
    try {
      await finish(status, rule, ruleName, at, error, result);
    } catch (failure) {
      throw unfinished(claim, failure);
    }
    deps.logger?.info("landed file concluded", {
      status,
      key: input.key,
      rule: ruleName,
      destination,
      rows: claim.rows,
      ...(error ? { error } : {}),
    });
    return {
      status,
      ...base,
      ...(ruleName ? { rule: ruleName } : {}),
      destination,
      rows: claim.rows ?? 0,
      ...(parts.length > 0 ? { parts: [...parts] } : {}),
      ...(error ? { error } : {}),
      durationMs: elapsed(),
    };
  };

  /** Moves the decided file, removes the processing copies, reports, marks the claim reported. */
  const finish = async (
    status: FileStatus,
    rule: FileRule | undefined,
    ruleName: string | undefined,
    at: Date,
    error: string | undefined,
    result: { refusal?: Refusal; processing?: readonly PreparedPart[] },
  ) => {
    await move(
      claim,
      status === "FINISHED"
        ? undefined
        : {
            status,
            ...base,
            rule: ruleName ?? null,
            code: result.refusal?.code,
            error,
            ...(result.refusal?.details ? { details: result.refusal.details } : {}),
            attempt,
            at: at.toISOString(),
          },
    );
    for (const part of result.processing ?? []) {
      await deps.store.delete(deps.bucket, part.key);
      if (rule?.format === "jsonl") await deps.store.delete(deps.bucket, jsonPathsKey(part.key));
    }
    claim = await report(claim, rule, result.refusal);
    await claims.save(id, claim);
  };

  /**
   * This attempt lost the version before deciding it: another attempt took it over (its lease ran
   * out) and may have decided it. A decision found is finished like a duplicate's; otherwise the
   * other attempt is left to it.
   */
  async function lost(): Promise<FileLoadOutcome> {
    const current = await claims.get(id);
    if (current?.status) return duplicate(current);
    await audit(
      { status: "SKIPPED", error: `another attempt (${current?.attempt ?? "unknown"}) took the file over` },
      UNMATCHED,
    );
    deps.logger?.warn("landed file taken over by another attempt", { key: input.key, version });
    return {
      status: "SKIPPED",
      ...base,
      rows: 0,
      error: "taken over by another attempt",
      durationMs: elapsed(),
    };
  }

  /** A duplicate event: finish what a crashed attempt left (move, report), else nothing. */
  async function duplicate(done: FileClaim): Promise<FileLoadOutcome> {
    const still = await deps.store.head(deps.bucket, input.key);
    try {
      if (still && (done.etag === undefined || still.etag === done.etag)) await move(done);
      if (!done.reported) await claims.save(id, await report(done, undefined));
    } catch (error) {
      throw unfinished(done, error);
    }
    await audit(
      { status: "SKIPPED", error: `duplicate event: already ${done.status} (${done.destination})` },
      done.rule ?? UNMATCHED,
    );
    return {
      status: "SKIPPED",
      ...base,
      ...(done.rule ? { rule: done.rule } : {}),
      ...(done.destination ? { destination: done.destination } : {}),
      rows: 0,
      durationMs: elapsed(),
    };
  }

  const takenOver = () =>
    new TransientError(`${input.key} (${version}): another attempt took the file over`, {
      code: "FILE_TAKEN_OVER",
    });

  const skip = async (why: string): Promise<FileLoadOutcome> => {
    await claims.release(id, claim);
    await audit({ status: "SKIPPED", error: why }, UNMATCHED);
    deps.logger?.info("landed file skipped", { key: input.key, version, why });
    return { status: "SKIPPED", ...base, rows: 0, error: why, durationMs: elapsed() };
  };

  if (claimed.kind === "done") return duplicate(claim);

  let rule: FileRule | undefined;
  let prepared: PreparedPart[] = [];
  try {
    const head = await deps.store.head(input.bucket, input.key);
    if (!head) return await skip("the object no longer exists");
    if (input.etag && head.etag && head.etag !== input.etag)
      return await skip("a newer version replaced the object: its own event loads it");
    claim = { ...claim, size: head.size, ...(head.etag ? { etag: head.etag } : {}) };

    const match = await deps.rules.match(input.key);
    if (match.kind === "none")
      return await conclude("ABORTED", undefined, undefined, {
        refusal: { code: "NO_RULE", reason: `no active rule matches ${input.key}` },
      });
    if (match.kind === "invalid")
      return await conclude("ABORTED", undefined, match.name, {
        refusal: {
          code: "INVALID_RULE",
          reason: `rule ${match.name} is not valid: ${match.problems.join("; ")}`,
          details: { problems: match.problems },
        },
      });
    rule = match.rule;
    const abort = (code: string, reason: string, details?: Record<string, unknown>) =>
      conclude("ABORTED", rule, rule?.name, { refusal: { code, reason, ...(details ? { details } : {}) } });

    if (head.size < rule.minBytes)
      return await abort(
        "TOO_SMALL",
        `the file has ${head.size} bytes, the rule needs at least ${rule.minBytes}`,
      );
    if (rule.followUp && !deps.followUps.includes(rule.followUp))
      return await abort("FOLLOW_UP_NOT_ALLOWED", `the follow-up ${rule.followUp} is not on the allow-list`);
    const unsupported = deps.warehouse.problems(rule);
    if (unsupported.length > 0)
      return await abort(
        "UNSUPPORTED",
        `the ${deps.warehouse.target} warehouse cannot load this rule: ${unsupported.join("; ")}`,
      );
    const deadline = () => deps.clock().getTime() + invocation.remainingMs() - MARGIN_MS;
    let columns: TableColumn[] = [];
    if (rule.target) {
      columns = await deps.warehouse.columns(rule.target.schema, rule.target.table, deadline());
      const problem = targetProblems(rule, columns);
      if (problem) return await abort("TARGET", problem);
    }

    const preparation = await prepareFile({
      store: deps.store,
      bucket: deps.bucket,
      key: input.key,
      rule,
      id,
      name: fileName(input.key),
      columns,
    });
    if (preparation.kind === "rejected")
      return await abort(preparation.code, preparation.reason, preparation.details);
    prepared = preparation.parts;

    if (rule.split) {
      for (const part of prepared) {
        const landing = part.landingKey ?? "";
        const next = await deps.rules.match(landing);
        if (next.kind !== "matched" || next.rule.name === rule.name)
          return await conclude("ABORTED", rule, rule.name, {
            refusal: {
              code: "SPLIT_UNMATCHED",
              reason: `the ${part.type} part would land at ${landing}, which ${next.kind === "matched" ? "this rule takes again" : "no valid rule takes"}`,
            },
            processing: prepared,
          });
      }
      // A taken-over attempt does not land the parts twice.
      if (!claim.parts) {
        for (const part of prepared) {
          const landing = part.landingKey ?? "";
          await deps.store.copy(deps.bucket, part.key, landing);
          parts.push(landing);
        }
        claim = { ...claim, parts: [...parts] };
        if (!(await claims.own(id, claim))) throw takenOver();
      } else parts.push(...claim.parts);
      return await conclude("FINISHED", rule, rule.name, { rows: preparation.records, processing: prepared });
    }

    const [part] = prepared;
    if (!part) throw new Error("a load without its processing copy");
    const spec = buildSpec(rule, columns, {
      schema: deps.ledgerSchema,
      key: ledgerKey(deps.bucket, rule.name, id),
      sha256: preparation.sha256,
      rows: preparation.records,
      at: deps.clock(),
    });
    let loaded: Awaited<ReturnType<FileWarehouse["load"]>>;
    try {
      loaded = await deps.warehouse.load({
        rule,
        spec,
        bucket: deps.bucket,
        key: part.key,
        deadline: deadline(),
        ...(claim.statementId ? { statementId: claim.statementId } : {}),
        onSubmitted: async (statementId) => {
          claim = { ...claim, statementId };
          if (!(await claims.own(id, claim))) throw takenOver();
        },
      });
    } catch (error) {
      if (isRetryable(error)) throw error;
      const context = loadErrorContext(error);
      return await conclude("FAILED", rule, rule.name, {
        refusal: {
          code: (error as { code?: string }).code ?? "LOAD_FAILED",
          reason: `the load failed: ${messageOf(error)}`,
          ...(context ? { context } : {}),
        },
        processing: prepared,
      });
    }
    if (loaded.status === "already-loaded")
      deps.logger?.info("landed file was loaded by an earlier attempt", { key: input.key, version });
    return await conclude("FINISHED", rule, rule.name, {
      rows: loaded.status === "loaded" ? loaded.rows : preparation.records,
      processing: prepared,
    });
  } catch (error) {
    // Decided already: the error is in finishing the decision, never a reason to decide again.
    if (concluded) throw error;
    if (isRetryable(error)) {
      // A Redshift statement still running reads the processing copy: it stays for the next
      // attempt. Otherwise the copy goes; the next attempt writes it again under the same key.
      if (!(error instanceof StatementStillRunningError))
        await Promise.allSettled(prepared.map((p) => deps.store.delete(deps.bucket, p.key)));
      await claims.release(id, claim).catch(() => undefined);
      throw error;
    }
    // Anything else that cannot succeed on a retry still must not strand the file.
    try {
      return await conclude("FAILED", rule, rule?.name, {
        refusal: { code: (error as { code?: string }).code ?? "FAILED", reason: messageOf(error) },
        processing: prepared,
      });
    } catch (recording) {
      if (concluded) throw recording;
      // Not even the failure could be recorded: keep the file in landing/ for a redelivery, and
      // say what failed first.
      await claims.release(id, claim).catch(() => undefined);
      throw new TransientError(
        `${input.key}: ${messageOf(error)}; recording that failure failed too: ${messageOf(recording)}`,
        { code: "FILE_REPORT_FAILED", cause: error },
      );
    }
  }
}
