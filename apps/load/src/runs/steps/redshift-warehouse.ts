import { LoadTransientError, PreviousRunNotLoadedError } from "@etl/db/errors";
import {
  finishRunSql,
  LOAD_ERROR_DETAIL_SQL,
  loadedKeysOfRunSql,
  migrateRedshift,
  type ParameterValues,
  queryRows,
  type RedshiftDataApi,
  type ResultRow,
  runStatusOfSql,
  type StatementRunner,
  type StatementStatus,
  StatementStillRunningError,
  tableBatchSql,
  waitForStatement,
  writtenOfRunSql,
} from "@etl/db/redshift";
import type { StateStore } from "@etl/ops";
import type { ObjectStore } from "@etl/s3-io";
import { WarehouseBusyError } from "../errors";
import type { LoadPlan, TableLoad } from "./plan-load";
import { applyRedshiftDeletions } from "./redshift-deletions";
import { type RedshiftFailure, redshiftFailure } from "./redshift-failure";
import { createHandoffs, type Handoffs, stillRunningOutcome } from "./redshift-handoffs";
import { copySource, missingColumns, tableOutcomes } from "./redshift-table-batch";
import type {
  FileOutcome,
  HandedOffStatement,
  LoadContext,
  RunWarehouse,
  SettledStatement,
  StatementTracker,
  WarehouseOutcome,
} from "./warehouse";

export { CONTINUE_NAMESPACE, HANDOFF_NAMESPACE } from "./redshift-handoffs";
export { COPY_MANIFEST_PREFIX, copyManifestKey } from "./redshift-table-batch";

export interface RedshiftWarehouseOptions {
  api: RedshiftDataApi;
  /** Submits each table's batch: polls to the deadline, resubmits 1023 failures, hands off. */
  statements: StatementRunner;
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
  /** A short correlation id for statement names (never metadata). */
  correlationId: () => string;
}

type Time = { remainingMs(): number };

/**
 * The Redshift warehouse: per table one `BatchExecuteStatement` (one transaction), run by the
 * statement runner inside the invocation's remaining time; a statement still running then is
 * handed off (a state-table record) to the completion handler. Serializable isolation violations
 * are resubmitted by the runner; data errors are terminal and carry the `SYS_LOAD_ERROR_DETAIL`
 * rows. Runs load one at a time: while a statement of another run is handed off, a load waits
 * (`WarehouseBusyError`, retried by the queue). Runs load in order: a run whose manifest names a
 * previous run waits (`PreviousRunNotLoadedError`, retried) until the ledger has that run FINISHED.
 */
export function createRedshiftWarehouse(options: RedshiftWarehouseOptions): RunWarehouse & StatementTracker {
  const { api } = options;
  const control = options.controlSchema ?? "etl";
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const name = () => `etl-load-${options.correlationId()}`;
  const now = () => options.clock().getTime();
  const handoffs = createHandoffs(options.state, options.clock);
  let prepared: Promise<void> | undefined;

  /** The end of this invocation's time, less the margin kept for recording a hand-off. */
  const deadline = (time: Time) => now() + Math.max(0, time.remainingMs() - options.marginMs);
  const query = (sql: string, parameters: ParameterValues, time: Time) =>
    queryRows(api, sql, name(), parameters, {
      deadline: Math.min(deadline(time), now() + options.pollBudgetMs),
      now,
      sleep,
    });
  const statusOf = async (runId: string, time: Time) =>
    (await query(runStatusOfSql(control), { run_id: runId }, time))[0]?.status;

  const failureOf = (
    status: StatementStatus,
    table: HandedOffStatement["table"],
    files: readonly { key: string }[],
    time: Time,
  ): Promise<RedshiftFailure> =>
    redshiftFailure(status, table, files, async (queryId) => {
      try {
        return await query(LOAD_ERROR_DETAIL_SQL, { query_id: queryId }, time);
      } catch (error) {
        return [
          { error: `could not read sys_load_error_detail: ${(error as Error).message}` },
        ] as ResultRow[];
      }
    });

  /** Submits a table's batch through the runner; still running at the deadline is a hand-off. */
  async function runTableBatch(sqls: string[], table: TableLoad, time: Time) {
    try {
      const status = await options.statements.run(
        { sqls, name: name() },
        { deadline: deadline(time), pollBudgetMs: options.pollBudgetMs },
      );
      if (status.state === "FINISHED") return { done: true, statementId: status.id } as const;
      throw (await failureOf(status, table.table, table.files, time)).error;
    } catch (error) {
      if (error instanceof StatementStillRunningError)
        return { done: false, statementId: error.statementId } as const;
      throw error;
    }
  }

  /**
   * Another run's statement, or another run still to be continued, blocks this run; this run's
   * own statement is claimed if it ended, or waited on if it still runs.
   */
  async function gate(plan: LoadPlan, time: Time): Promise<HandedOffStatement | undefined> {
    for (const run of await handoffs.pendingRuns()) {
      if (run.runId !== plan.runId) {
        throw new WarehouseBusyError(plan.runId, { runId: run.runId, table: "-", statementId: "-" });
      }
    }
    for (const record of await handoffs.pending()) {
      // Even a finished statement of another run waits for its finaliser (event or sweep), which
      // goes on to load the rest of that run before this one.
      if (record.runId !== plan.runId) throw new WarehouseBusyError(plan.runId, record);
      const settled = await settle(record.statementId, time);
      if (!settled) return record;
    }
    return undefined;
  }

  /** Runs load in order: the previous run must be FINISHED, unless this one is (a replay, nothing to load). */
  async function checkOrder(plan: LoadPlan, time: Time): Promise<void> {
    if (!plan.previousRunId || (await statusOf(plan.previousRunId, time)) === "FINISHED") return;
    if ((await statusOf(plan.runId, time)) !== "FINISHED")
      throw new PreviousRunNotLoadedError(plan.runId, plan.previousRunId);
  }

  /** One table's COPY and merge, or its hand-off when its statement outlives the invocation. */
  async function loadTable(plan: LoadPlan, table: TableLoad, context: LoadContext) {
    const missing = await missingColumns(plan, table, context);
    const started = now();
    const rows = table.files.reduce((n, f) => n + f.rows, 0);
    // One statement does the COPY and the merge: there is no count to show until it commits.
    context.progress?.tableStarted(table.table, rows);
    context.progress?.rows(table.table, 0, "copying and merging");
    const sqls = tableBatchSql({
      schema: options.schema,
      controlSchema: control,
      table: table.table,
      runId: plan.runId,
      source: await copySource(options.store, plan, table, context.attempt),
      iamRoleArn: options.iamRoleArn,
      files: table.files,
      loadedAt: options.clock(),
      ...(missing.length > 0 ? { missingColumns: missing } : {}),
    });
    const result = await runTableBatch(sqls, table, context);
    if (!result.done) await handoffs.record(plan, table, result.statementId, context.attempt);
    const status = result.done ? "FINISHED" : "HANDED_OFF";
    if (result.done) context.progress?.tableFinished(table.table, rows, now() - started);
    return { ...result, files: tableOutcomes(table, status, result.statementId, now() - started) };
  }

  /** The run's ledger row, once every table is committed; then what its merges wrote. */
  async function finishRun(
    plan: LoadPlan,
    files: FileOutcome[],
    rows: number,
    context: LoadContext,
  ): Promise<WarehouseOutcome> {
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
    const finished = await waitForStatement(api, id, {
      deadline: Math.min(deadline(context), now() + options.pollBudgetMs),
      now,
      sleep,
    });
    if (finished.state !== "FINISHED") {
      throw new LoadTransientError(`run ${plan.runId}: ledger statement ${id} ${finished.state}`, {
        statementId: id,
        ...(finished.error ? { details: { error: finished.error } } : {}),
      });
    }
    const [written] = await query(writtenOfRunSql(control), { run_id: plan.runId }, context);
    return {
      status: "loaded",
      files,
      rows,
      inserted: Number(written?.inserted ?? 0),
      updated: Number(written?.updated ?? 0),
    };
  }

  async function load(plan: LoadPlan, context: LoadContext): Promise<WarehouseOutcome> {
    const own = await gate(plan, context);
    if (own) return stillRunningOutcome(own);
    await checkOrder(plan, context);
    const loaded = new Set(
      (await query(loadedKeysOfRunSql(control), { run_id: plan.runId }, context)).map((r) => String(r.key)),
    );
    const files: FileOutcome[] = [];
    let rows = 0;
    let wrote = false;
    for (const table of plan.tables) {
      if (table.files.every((f) => loaded.has(f.key))) {
        files.push(...tableOutcomes(table, "SKIPPED", undefined, 0));
        continue;
      }
      const result = await loadTable(plan, table, context);
      files.push(...result.files);
      if (!result.done)
        return { status: "handed-off", files, rows, statementId: result.statementId, table: table.table };
      wrote = true;
      rows += table.files.reduce((n, f) => n + f.rows, 0);
      context.committed?.(result.files);
    }
    if (!wrote && (await statusOf(plan.runId, context)) === "FINISHED")
      return { status: "skipped", files, rows: 0 };
    await applyRedshiftDeletions(plan, {
      statements: options.statements,
      schema: options.schema,
      name,
      deadline: deadline(context),
      pollBudgetMs: options.pollBudgetMs,
    });
    return finishRun(plan, files, rows, context);
  }

  async function settle(
    statementId: string,
    time: Time = { remainingMs: () => 60_000 },
  ): Promise<SettledStatement | undefined> {
    const record = await handoffs.get(statementId);
    if (!record) return undefined;
    const status = await api.describe(statementId);
    if (status.state !== "FINISHED" && status.state !== "FAILED" && status.state !== "ABORTED")
      return undefined;
    // The continuation first: a crash after it leaves the run to the sweep, never forgotten.
    await handoffs.continueRun(record.runId, statementId);
    // Exactly one of an event, a sweep and a load claims the statement.
    if (!(await handoffs.claim(statementId))) return undefined;
    if (status.state === "FINISHED") return { record, state: "FINISHED" };
    const failure = await failureOf(status, record.table, record.files, time);
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
    load,
    ...trackerOf(handoffs, (statementId) => settle(statementId)),
  };
}

function trackerOf(handoffs: Handoffs, settle: StatementTracker["settle"]): StatementTracker {
  return {
    pending: handoffs.pending,
    pendingRuns: handoffs.pendingRuns,
    settle,
    finishRun: handoffs.finishRun,
    markAlerted: handoffs.markAlerted,
  };
}
