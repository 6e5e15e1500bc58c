import { LoadDataError, LoadTransientError, PreviousRunNotLoadedError } from "@etl/db";
import {
  type CopySource,
  classifyStatementError,
  copyManifest,
  finishRunSql,
  LOAD_ERROR_DETAIL_SQL,
  loadedKeysOfRunSql,
  migrateRedshift,
  queryRows,
  type RedshiftDataApi,
  type ResultRow,
  runStatusOfSql,
  type StatementStatus,
  s3Uri,
  tableBatchSql,
  waitForStatement,
  writtenOfRunSql,
} from "@etl/db/redshift";
import type { StateStore } from "@etl/ops";
import type { ObjectStore } from "@etl/s3-io";
import { DataError, STAR_TABLE_NAMES, type StarTable } from "@etl/schemas";
import { z } from "zod";
import { StatementAbortedError, WarehouseBusyError } from "../errors";
import { checkParquetFooter } from "./parquet-footer";
import type { LoadFile, LoadPlan, TableLoad } from "./plan-load";
import type {
  FileOutcome,
  HandedOffStatement,
  LoadContext,
  SettledStatement,
  StatementTracker,
  Warehouse,
  WarehouseOutcome,
} from "./warehouse";

/** The state-table namespace of statements handed off to the completion handler. */
export const HANDOFF_NAMESPACE = "redshift-statement";

/** The state-table namespace of runs to continue after a handed-off statement settled. */
export const CONTINUE_NAMESPACE = "redshift-run";

/** Where COPY manifests go in the processed bucket: a prefix that notifies nothing. */
export const COPY_MANIFEST_PREFIX = "copy-manifests/";

/** Hand-off records outlive any statement: the Data API keeps statements for 24 hours. */
const HANDOFF_TTL_SECONDS = 7 * 24 * 3600;

const HandedOffSchema = z.object({
  statementId: z.string().min(1),
  runId: z.string().min(1),
  table: z.enum(STAR_TABLE_NAMES),
  bucket: z.string(),
  files: z.array(
    z.object({ key: z.string(), rows: z.number(), bytes: z.number(), etag: z.string().optional() }),
  ),
  submittedAt: z.string(),
  attempt: z.string(),
  alertedAt: z.string().optional(),
});

export interface RedshiftWarehouseOptions {
  api: RedshiftDataApi;
  state: StateStore;
  store: ObjectStore;
  schema: string;
  controlSchema?: string;
  iamRoleArn: string;
  target?: string;
  clock: () => Date;
  sleep?: (ms: number) => Promise<void>;
  /** Longest time one statement is polled before it is handed off. */
  pollBudgetMs: number;
  /** Kept back from the invocation's remaining time for recording a hand-off. */
  marginMs: number;
  /** Resubmissions of a batch after a serializable isolation violation. */
  serializationRetries: number;
  /** Pause before resubmission `n` (1-based); exponential with jitter by default. */
  retryDelayMs?: (attempt: number) => number;
  /** A short correlation id for statement names (never metadata). */
  correlationId: () => string;
}

function defaultRetryDelay(attempt: number): number {
  return Math.floor(Math.random() * Math.min(30_000, 1_000 * 2 ** (attempt - 1)));
}

/** `copy-manifests/<runId>/<table>-<attempt>.manifest`: a new object per attempt, never overwritten. */
export function copyManifestKey(runId: string, table: StarTable, attempt: string): string {
  return `${COPY_MANIFEST_PREFIX}${runId}/${table}-${attempt.replace(/[^0-9]/g, "")}.manifest`;
}

/**
 * The Redshift warehouse: per table one `BatchExecuteStatement` (one transaction), polled with
 * backoff inside the invocation's remaining time; a statement still running then is handed off
 * (a state-table record) to the completion handler. Serializable isolation violations are
 * resubmitted with backoff; data errors are terminal and carry the `SYS_LOAD_ERROR_DETAIL` rows.
 * Runs load one at a time: while a statement of another run is handed off, a load waits
 * (`WarehouseBusyError`, retried by the queue). Runs load in order: a run whose manifest names a
 * previous run waits (`PreviousRunNotLoadedError`, retried) until the ledger has that run FINISHED.
 */
export function createRedshiftWarehouse(options: RedshiftWarehouseOptions): Warehouse & StatementTracker {
  const { api, state } = options;
  const control = options.controlSchema ?? "etl";
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const retryDelay = options.retryDelayMs ?? defaultRetryDelay;
  const name = () => `etl-load-${options.correlationId()}`;
  const now = () => options.clock().getTime();
  let prepared: Promise<void> | undefined;

  const deadline = (context: { remainingMs(): number }) =>
    now() + Math.max(0, Math.min(options.pollBudgetMs, context.remainingMs() - options.marginMs));
  const waitOptions = (context: { remainingMs(): number }) => ({
    deadline: deadline(context),
    now,
    sleep,
  });

  async function pending(): Promise<HandedOffStatement[]> {
    const records = await state.listRecords(HANDOFF_NAMESPACE);
    return records.flatMap((r) => {
      const parsed = HandedOffSchema.safeParse(r.data);
      return parsed.success ? [parsed.data] : [];
    });
  }

  async function loadErrorRows(queryId: number | undefined, context: { remainingMs(): number }) {
    if (queryId === undefined) return [];
    try {
      return await queryRows(api, LOAD_ERROR_DETAIL_SQL, name(), { query_id: queryId }, waitOptions(context));
    } catch (error) {
      return [{ error: `could not read sys_load_error_detail: ${(error as Error).message}` }] as ResultRow[];
    }
  }

  /** The failure of a statement as the load reports it. */
  async function failureOf(
    status: StatementStatus,
    table: StarTable,
    files: readonly { key: string }[],
    context: { remainingMs(): number },
  ): Promise<{ error: Error; retryable: boolean }> {
    const key = files.length === 1 ? files[0]?.key : undefined;
    const where = {
      table,
      statementId: status.id,
      ...(key ? { key } : {}),
      ...(status.failedSql ? { sql: status.failedSql } : {}),
    };
    if (status.state === "ABORTED")
      return { error: new StatementAbortedError(status.id, table), retryable: false };
    const kind = classifyStatementError(status.error);
    const message = `${table}: statement ${status.id} failed: ${status.error ?? "no error given"}`;
    if (kind !== "terminal") {
      return {
        error: new LoadTransientError(message, where, { code: `REDSHIFT_${kind.toUpperCase()}` }),
        retryable: true,
      };
    }
    const loadErrors = await loadErrorRows(status.failedQueryId, context);
    return {
      error: new LoadDataError(
        message,
        { ...where, details: { loadErrors } },
        { code: "REDSHIFT_LOAD_FAILED" },
      ),
      retryable: false,
    };
  }

  async function copySource(plan: LoadPlan, table: TableLoad, attempt: string): Promise<CopySource> {
    const [only] = table.files;
    if (only && table.files.length === 1) return { uri: s3Uri(plan.bucket, only.key), manifest: false };
    const key = copyManifestKey(plan.runId, table.table, attempt);
    const body = copyManifest(table.files.map((f) => ({ uri: s3Uri(plan.bucket, f.key), bytes: f.bytes })));
    await options.store.put(plan.bucket, key, body, { contentType: "application/json" });
    return { uri: s3Uri(plan.bucket, key), manifest: true };
  }

  /** Submits a table's batch, resubmitting after serialization failures; hands off on time-out. */
  async function runTableBatch(
    sqls: string[],
    table: TableLoad,
    context: LoadContext,
  ): Promise<{ done: true; statementId: string } | { done: false; statementId: string }> {
    for (let attempt = 1; ; attempt++) {
      const statementId = await api.submitBatch(sqls, name());
      const status = await waitForStatement(api, statementId, waitOptions(context));
      if (status.state === "FINISHED") return { done: true, statementId };
      if (status.state !== "FAILED" && status.state !== "ABORTED") return { done: false, statementId };
      const failure = await failureOf(status, table.table, table.files, context);
      const pause = retryDelay(attempt);
      const timeLeft = context.remainingMs() - options.marginMs - pause;
      if (!failure.retryable || attempt > options.serializationRetries || timeLeft <= 0) throw failure.error;
      await sleep(pause);
    }
  }

  const handOff = async (plan: LoadPlan, table: TableLoad, statementId: string, attempt: string) => {
    const record: HandedOffStatement = {
      statementId,
      runId: plan.runId,
      table: table.table,
      bucket: plan.bucket,
      files: table.files.map((f) => ({
        key: f.key,
        rows: f.rows,
        bytes: f.bytes,
        ...(f.etag ? { etag: f.etag } : {}),
      })),
      submittedAt: options.clock().toISOString(),
      attempt,
    };
    await state.putRecord(HANDOFF_NAMESPACE, statementId, { ...record }, { ttlSeconds: HANDOFF_TTL_SECONDS });
  };

  async function pendingRuns(): Promise<{ runId: string; since: string }[]> {
    const records = await state.listRecords(CONTINUE_NAMESPACE);
    return records.map((r) => ({ runId: r.id, since: r.updatedAt }));
  }

  /**
   * Another run's statement, or another run still to be continued, blocks this run; this run's
   * own statement is claimed if it ended, or waited on if it still runs.
   */
  async function gate(plan: LoadPlan, context: LoadContext): Promise<HandedOffStatement | undefined> {
    for (const run of await pendingRuns()) {
      if (run.runId !== plan.runId) {
        throw new WarehouseBusyError(plan.runId, { runId: run.runId, table: "-", statementId: "-" });
      }
    }
    for (const record of await pending()) {
      // Even a finished statement of another run waits for its finaliser (event or sweep), which
      // goes on to load the rest of that run before this one.
      if (record.runId !== plan.runId) throw new WarehouseBusyError(plan.runId, record);
      const settled = await settle(record.statementId, context);
      if (!settled) return record;
    }
    return undefined;
  }

  async function settle(
    statementId: string,
    context: { remainingMs(): number } = { remainingMs: () => 60_000 },
  ): Promise<SettledStatement | undefined> {
    const stored = await state.getRecord(HANDOFF_NAMESPACE, statementId);
    const parsed = stored ? HandedOffSchema.safeParse(stored.data) : undefined;
    if (!parsed?.success) return undefined;
    const record = parsed.data;
    const status = await api.describe(statementId);
    if (status.state !== "FINISHED" && status.state !== "FAILED" && status.state !== "ABORTED")
      return undefined;
    // The continuation first: a crash after it leaves the run to the sweep, never forgotten.
    await state.putRecord(CONTINUE_NAMESPACE, record.runId, { runId: record.runId, after: statementId });
    // Exactly one of an event, a sweep and a load claims the statement.
    if (!(await state.deleteRecord(HANDOFF_NAMESPACE, statementId))) return undefined;
    if (status.state === "FINISHED") return { record, state: "FINISHED" };
    const failure = await failureOf(status, record.table, record.files, context);
    return { record, state: status.state, error: failure.error, retryable: failure.retryable };
  }

  return {
    target: "redshift",
    prepare() {
      prepared ??= migrateRedshift(api, {
        schema: options.schema,
        controlSchema: control,
        name: name(),
        deadline: now() + options.pollBudgetMs,
        now,
        sleep,
      }).catch((error: unknown) => {
        prepared = undefined;
        throw error;
      });
      return prepared;
    },

    async load(plan, context): Promise<WarehouseOutcome> {
      const own = await gate(plan, context);
      if (own) {
        // This run's statement is still running: nothing is submitted twice.
        const files = own.files.map(
          ({ key }): FileOutcome => ({
            table: own.table,
            key,
            status: "HANDED_OFF",
            rows: 0,
            durationMs: 0,
            statementId: own.statementId,
          }),
        );
        return { status: "handed-off", files, rows: 0, statementId: own.statementId, table: own.table };
      }
      const statusOf = async (runId: string) =>
        (await queryRows(api, runStatusOfSql(control), name(), { run_id: runId }, waitOptions(context)))[0]
          ?.status;
      if (plan.previousRunId && (await statusOf(plan.previousRunId)) !== "FINISHED") {
        // Unless this run is FINISHED already (a replay), in which case nothing is loaded anyway.
        if ((await statusOf(plan.runId)) !== "FINISHED")
          throw new PreviousRunNotLoadedError(plan.runId, plan.previousRunId);
      }
      const loaded = new Set(
        (
          await queryRows(
            api,
            loadedKeysOfRunSql(control),
            name(),
            { run_id: plan.runId },
            waitOptions(context),
          )
        ).map((r) => String(r.key)),
      );
      const files: FileOutcome[] = [];
      let rows = 0;
      let wrote = false;
      for (const table of plan.tables) {
        if (table.files.every((f) => loaded.has(f.key))) {
          files.push(...table.files.map((f) => skipped(table.table, f)));
          continue;
        }
        // One COPY reads every file of the table: they must lack the same columns (a run's files
        // come from one transform, so they do).
        const missing = new Set<string>();
        for (const [i, file] of table.files.entries()) {
          const lacks = checkParquetFooter(table.table, file.key, await context.read(file)).missing;
          if (i > 0 && lacks.join() !== [...missing].join())
            throw new DataError(
              `${table.table} ${file.key}: its columns differ from the table's other files of run ${plan.runId} (${lacks.join(", ") || "none"} missing here); one COPY cannot load both`,
              { code: "BAD_PARQUET_SCHEMA" },
            );
          for (const column of lacks) missing.add(column);
        }
        const started = now();
        const source = await copySource(plan, table, context.attempt);
        const sqls = tableBatchSql({
          schema: options.schema,
          controlSchema: control,
          table: table.table,
          runId: plan.runId,
          source,
          iamRoleArn: options.iamRoleArn,
          files: table.files,
          loadedAt: options.clock(),
          ...(missing.size > 0 ? { missingColumns: [...missing] } : {}),
        });
        const result = await runTableBatch(sqls, table, context);
        if (!result.done) {
          await handOff(plan, table, result.statementId, context.attempt);
          files.push(
            ...table.files.map(
              (f): FileOutcome => ({
                table: table.table,
                key: f.key,
                status: "HANDED_OFF",
                rows: 0,
                durationMs: now() - started,
                statementId: result.statementId,
              }),
            ),
          );
          return { status: "handed-off", files, rows, statementId: result.statementId, table: table.table };
        }
        wrote = true;
        const done = table.files.map(
          (f): FileOutcome => ({
            table: table.table,
            key: f.key,
            status: "FINISHED",
            rows: f.rows,
            durationMs: now() - started,
            statementId: result.statementId,
          }),
        );
        rows += table.files.reduce((n, f) => n + f.rows, 0);
        files.push(...done);
        context.committed?.(done);
      }
      if (!wrote && (await statusOf(plan.runId)) === "FINISHED") return { status: "skipped", files, rows: 0 };
      const all = plan.tables.flatMap((t) => t.files);
      const id = await api.submitBatch(
        finishRunSql({
          controlSchema: control,
          runId: plan.runId,
          target: options.target ?? "redshift",
          startedAt: new Date(context.attempt),
          finishedAt: options.clock(),
          files: all.length,
          rows: all.reduce((n, f) => n + f.rows, 0),
        }),
        name(),
      );
      const finished = await waitForStatement(api, id, waitOptions(context));
      if (finished.state !== "FINISHED") {
        throw new LoadTransientError(`run ${plan.runId}: ledger statement ${id} ${finished.state}`, {
          statementId: id,
          ...(finished.error ? { details: { error: finished.error } } : {}),
        });
      }
      const [written] = await queryRows(
        api,
        writtenOfRunSql(control),
        name(),
        { run_id: plan.runId },
        waitOptions(context),
      );
      return {
        status: "loaded",
        files,
        rows,
        inserted: Number(written?.inserted ?? 0),
        updated: Number(written?.updated ?? 0),
      };
    },

    pending,
    pendingRuns,
    settle: (statementId) => settle(statementId),
    async finishRun(runId) {
      await state.deleteRecord(CONTINUE_NAMESPACE, runId);
    },
    async markAlerted(statementId, at) {
      const stored = await state.getRecord(HANDOFF_NAMESPACE, statementId);
      if (!stored) return;
      await state.putRecord(
        HANDOFF_NAMESPACE,
        statementId,
        { ...stored.data, alertedAt: at.toISOString() },
        { ttlSeconds: HANDOFF_TTL_SECONDS },
      );
    },
  };
}

function skipped(table: StarTable, file: LoadFile): FileOutcome {
  return { table, key: file.key, status: "SKIPPED", rows: 0, durationMs: 0 };
}
