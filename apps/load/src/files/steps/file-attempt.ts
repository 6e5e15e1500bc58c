import type { LoadErrorContext } from "@etl/db/errors";
import type { RuleMatch } from "@etl/db/rules";
import type { Alerter, AuditItem, AuditLog, createLogger, StageProgress, StateStore } from "@etl/ops";
import type { Delivery } from "@etl/ops/outcome";
import type { ObjectStore } from "@etl/s3-io";
import { type Claims, createClaims, type FileClaim, type FileStatus } from "./claims";
import { fileId, versionTag } from "./destinations";
import type { FileWarehouse } from "./file-warehouse";
import type { LandedObject } from "./landed-objects";
import type { StatusEvents } from "./status-events";

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
  /** Told of each file the attempt decides (the `etl` CLI prints a line); absent on Lambda. */
  progress?: StageProgress;
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
export interface Refusal {
  code: string;
  reason: string;
  details?: Record<string, unknown>;
  context?: LoadErrorContext;
}

/** The audit's run id of a file no rule took. */
export const UNMATCHED = "unmatched";

/**
 * One attempt at one landed object version: what every step of the file load shares. `claim`
 * is this attempt's view of the version's claim record; `concluded` turns true once the outcome
 * is written to it, after which it is never decided again.
 */
/** A landed object version to load, and the delivery of the message that announced it. */
export interface FileLoadInput extends LandedObject {
  /** Absent for a direct call: its own first receive, never dead-lettered. */
  delivery?: Delivery;
}

export interface FileAttempt {
  input: FileLoadInput;
  deps: FileLoadDeps;
  id: string;
  version: string;
  /** When this attempt started (ISO): tells audit items of attempts apart. */
  attempt: string;
  started: Date;
  base: { bucket: string; key: string; version: string };
  claims: Claims;
  claim: FileClaim;
  /** Split: the landing keys of the parts written so far. */
  parts: string[];
  concluded: boolean;
  elapsed(): number;
}

export function startAttempt(input: FileLoadInput, deps: FileLoadDeps): FileAttempt {
  const started = deps.clock();
  const t0 = performance.now();
  const version = versionTag(input);
  const attempt = started.toISOString();
  const id = fileId(input);
  return {
    input,
    deps,
    id,
    version,
    attempt,
    started,
    base: { bucket: input.bucket, key: input.key, version },
    claims: createClaims(deps.state, () => deps.clock().getTime()),
    // Replaced by the claim the attempt takes before any step reads it.
    claim: { bucket: input.bucket, key: input.key, version, attempt, leaseUntil: 0 },
    parts: [],
    concluded: false,
    elapsed: () => Math.round(performance.now() - t0),
  };
}

/** One audit item (stage `files`) of this attempt. */
export async function auditAttempt(
  a: FileAttempt,
  item: Partial<AuditItem> & Pick<AuditItem, "status">,
  runId: string,
): Promise<void> {
  await a.deps.audit.record([attemptItem(a, item, runId)]);
}

/** The audit item (stage `files`) of this attempt, not yet written. */
export function attemptItem(
  a: FileAttempt,
  item: Partial<AuditItem> & Pick<AuditItem, "status">,
  runId: string,
): AuditItem {
  return {
    stage: "files",
    runId,
    key: a.input.key,
    attempt: a.attempt,
    bucket: a.input.bucket,
    durationMs: a.elapsed(),
    ...(a.claim.etag ? { etag: a.claim.etag } : {}),
    ...(a.claim.size !== undefined ? { size: a.claim.size } : {}),
    ...item,
  };
}
