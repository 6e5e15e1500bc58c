import { PreviousRunNotLoadedError } from "@etl/db/errors";
import {
  type Alerter,
  type AuditLog,
  clearBlockage,
  type createLogger,
  redactSecrets,
  type StageProgress,
  type StateStore,
} from "@etl/ops";
import { createOutcomeReporter, type Delivery, type OutcomeReporter } from "@etl/ops/outcome";
import type { ObjectInfo, ObjectStore } from "@etl/s3-io";
import { isRetryable, messageOf, type RunId } from "@etl/schemas";
import { WarehouseBusyError } from "./errors";
import { behindBlockage, blockageOf, stepOverSkipped, UNBLOCKED_NOTE } from "./steps/load-blockage";
import type { LoadPlan } from "./steps/plan-load";
import { planLoad } from "./steps/plan-load";
import { readVerifiedFile } from "./steps/read-file";
import { readProcessedManifest } from "./steps/read-manifest";
import { type AuditContext, fileItems, reportFailure, runItem } from "./steps/report";
import type { FileOutcome, RunWarehouse, StatementTracker } from "./steps/warehouse";

export type LoadLogger = Pick<ReturnType<typeof createLogger>, "info" | "warn" | "error">;

export interface LoadDeps {
  store: ObjectStore;
  /** The processed bucket: manifests and star files. */
  bucket: string;
  warehouse: RunWarehouse;
  /** Redshift: statements handed off and runs to continue. */
  statements?: StatementTracker;
  audit: AuditLog;
  alerter: Alerter;
  /**
   * The state table: a run that fails for good is recorded there as the blockage of the load,
   * the runs behind it are acknowledged on the record, and runs an operator skipped are stepped
   * over. Without it a run behind a failed one waits until it dead-letters.
   */
  state?: StateStore;
  clock: () => Date;
  logger?: LoadLogger;
  /** Someone watching (the `etl` CLI); absent on Lambda. The Redshift warehouse tells it nothing. */
  progress?: StageProgress;
}

export interface LoadInput {
  runId: RunId;
  /** The delivery of the message that asked; absent for a direct invocation. */
  delivery?: Delivery;
}

/** A run waiting for another run's statement, or for the run before it: no fault until it dead-letters. */
export const isWait = (error: unknown): boolean =>
  error instanceof WarehouseBusyError || error instanceof PreviousRunNotLoadedError;

/** The run loader's reporter: the one outcome policy of `@etl/ops/outcome`. */
export function loadReporter(deps: LoadDeps): OutcomeReporter {
  return createOutcomeReporter({
    stage: "load",
    audit: deps.audit,
    alerter: deps.alerter,
    isWait,
    ...(deps.logger ? { logger: deps.logger } : {}),
  });
}

/** How much time the invocation has left; a local run or a test has plenty. */
export interface InvocationTime {
  remainingMs(): number;
}

export interface LoadOutcome {
  runId: string;
  /**
   * `failed`: bad data, audited and alerted; the message is acknowledged. `blocked`: an earlier
   * run blocks the load; acknowledged on the record, delivered again when that one is replayed
   * or skipped.
   */
  status: "loaded" | "skipped" | "handed-off" | "failed" | "blocked";
  files: number;
  /** Rows read from the files this attempt loaded. */
  rows: number;
  /** Rows the run's merges inserted and updated, when loaded (a duplicate run: 0 and 0). */
  inserted?: number;
  updated?: number;
  durationMs: number;
  statementId?: string;
  error?: string;
  /** Per table: files and rows loaded in this attempt (skipped files count no rows). */
  tables?: { table: string; files: number; rows: number; status: string }[];
  message: string;
}

function perTable(files: readonly FileOutcome[]): NonNullable<LoadOutcome["tables"]> {
  const tables = new Map<string, { table: string; files: number; rows: number; status: string }>();
  for (const f of files) {
    const t = tables.get(f.table) ?? { table: f.table, files: 0, rows: 0, status: f.status };
    t.files += 1;
    t.rows += f.rows;
    tables.set(f.table, t);
  }
  return [...tables.values()];
}

const FIFTEEN_MINUTES = { remainingMs: () => 15 * 60_000 };

async function headAll(store: ObjectStore, bucket: string, keys: readonly string[]) {
  const objects = new Map<string, ObjectInfo | undefined>();
  const queue = [...keys];
  const worker = async () => {
    for (let key = queue.shift(); key !== undefined; key = queue.shift())
      objects.set(key, await store.head(bucket, key));
  };
  await Promise.all(Array.from({ length: Math.min(8, queue.length) }, worker));
  return objects;
}

function summary(outcome: Omit<LoadOutcome, "message">): string {
  switch (outcome.status) {
    case "loaded":
      return outcome.inserted === undefined || outcome.updated === undefined
        ? `run ${outcome.runId} loaded: ${outcome.files} files, ${outcome.rows} rows read`
        : `run ${outcome.runId} loaded: ${outcome.files} files, ${outcome.rows} rows read, ` +
            `${outcome.inserted} inserted, ${outcome.updated} updated`;
    case "skipped":
      return `run ${outcome.runId} was already loaded: nothing changed`;
    case "handed-off":
      return `run ${outcome.runId} continues in statement ${outcome.statementId}`;
    case "blocked":
      return `run ${outcome.runId} waits behind a blocked run: ${outcome.error}`;
    default:
      return `run ${outcome.runId} failed: ${outcome.error}`;
  }
}

/**
 * Loads one processed run into the warehouse, exactly once: reads and validates the manifest,
 * checks every file exists with its size, plans the tables in load order, and has the warehouse
 * load them (each file's checksum and Parquet footer verified as it is read). Every file gets an
 * audit item for this attempt, and so does the run.
 *
 * Failures are reported by the outcome policy (`@etl/ops/outcome`, given the message's
 * delivery): audited, and recorded (with the SQL that failed, redacted) and alerted when the
 * policy says. Retryable ones are then thrown, for the queue to redeliver; bad data returns
 * `failed`, so the message is acknowledged rather than retried forever. A run waiting for
 * another run's statement, or for its previous run (runs load in order), is a wait: audited,
 * alerted only when it dead-letters.
 */
export async function runLoad(
  input: LoadInput,
  deps: LoadDeps,
  time: InvocationTime = FIFTEEN_MINUTES,
): Promise<LoadOutcome> {
  const startedAt = deps.clock();
  const attempt = startedAt.toISOString();
  const elapsed = () => deps.clock().getTime() - startedAt.getTime();
  const context: AuditContext = { runId: input.runId, bucket: deps.bucket, attempt };
  const committed: FileOutcome[] = [];
  let plan: LoadPlan | undefined;
  try {
    const manifest = await readProcessedManifest(deps.store, deps.bucket, input.runId);
    const objects = await headAll(
      deps.store,
      deps.bucket,
      manifest.files.map((f) => f.key),
    );
    plan = await stepOverSkipped(planLoad(manifest, deps.bucket, objects), deps.state);
    context.plan = plan;
    await deps.warehouse.prepare();
    const result = await deps.warehouse.load(plan, {
      attempt,
      remainingMs: () => time.remainingMs(),
      read: (file) => readVerifiedFile(deps.store, deps.bucket, file),
      committed: (files) => committed.push(...files),
      ...(deps.progress ? { progress: deps.progress } : {}),
    });
    const durationMs = elapsed();
    const unblocked =
      result.status !== "handed-off" && deps.state
        ? (await clearBlockage(deps.state, "load", input.runId)).cleared
        : false;
    await loadReporter(deps).succeeded([
      ...fileItems(context, result.files),
      runItem(context, {
        status:
          result.status === "handed-off"
            ? "HANDED_OFF"
            : result.status === "skipped"
              ? "SKIPPED"
              : "FINISHED",
        rows: result.rows,
        durationMs,
        ...(result.statementId ? { statementId: result.statementId } : {}),
        ...(unblocked ? { note: UNBLOCKED_NOTE } : {}),
      }),
    ]);
    const outcome = {
      runId: input.runId,
      status: result.status,
      files: result.files.filter((f) => f.status === "FINISHED").length,
      rows: result.rows,
      ...(result.inserted !== undefined ? { inserted: result.inserted } : {}),
      ...(result.updated !== undefined ? { updated: result.updated } : {}),
      durationMs,
      ...(result.statementId ? { statementId: result.statementId } : {}),
    };
    deps.logger?.info("load attempt finished", outcome);
    if (result.status !== "handed-off") await deps.statements?.finishRun(input.runId);
    return { ...outcome, tables: perTable(result.files), message: summary(outcome) };
  } catch (error) {
    if (error instanceof WarehouseBusyError)
      deps.logger?.info("load waits for another run", { runId: input.runId, busyWith: error.busyWith });
    // Waiting for the previous run is not a failure until it dead-letters: the queue redelivers
    // this run later. A previous run that failed for good was alerted itself.
    if (error instanceof PreviousRunNotLoadedError)
      deps.logger?.warn("load waits for the previous run", {
        runId: input.runId,
        previousRunId: error.previousRunId,
      });
    const durationMs = elapsed();
    const blocked = await behindBlockage(deps.state, deps.clock, input.runId, error);
    if (blocked) {
      await deps.audit.record([
        runItem(context, { status: "BLOCKED", rows: 0, durationMs, error: messageOf(error), note: blocked }),
      ]);
      deps.logger?.warn("load acknowledged behind a blocked run", { runId: input.runId, behind: blocked });
      const outcome = {
        runId: input.runId,
        status: "blocked" as const,
        files: 0,
        rows: 0,
        durationMs,
        error: blocked,
      };
      return { ...outcome, message: summary(outcome) };
    }
    const blocking = await blockageOf(deps.state, deps.clock, input.runId, error, context);
    // Audits, records and alerts as the outcome policy says; a bad-data failure that could not
    // be recorded is thrown retryable, so its message comes back rather than being acknowledged.
    await reportFailure(loadReporter(deps), context, error, committed, durationMs, input.delivery, blocking);
    if (isWait(error)) throw error;
    const retryable = isRetryable(error);
    deps.logger?.[retryable ? "warn" : "error"]("load attempt failed", {
      runId: input.runId,
      retryable,
      error: messageOf(error),
    });
    if (retryable) throw error;
    // Failed for good: nothing is left to continue until someone fixes the data and replays.
    await deps.statements?.finishRun(input.runId);
    const outcome = {
      runId: input.runId,
      status: "failed" as const,
      files: 0,
      rows: 0,
      durationMs,
      error: redactSecrets(messageOf(error)),
    };
    return { ...outcome, message: summary(outcome) };
  }
}
