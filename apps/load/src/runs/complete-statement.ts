import type { StarTable } from "@etl/schemas";
import { messageOf } from "@etl/schemas";
import { type InvocationTime, type LoadDeps, type LoadOutcome, loadReporter, runLoad } from "./run-load";
import { type AuditContext, fileItems, reportFailure, runItem } from "./steps/report";
import type { FileOutcome, HandedOffStatement, SettledStatement, StatementTracker } from "./steps/warehouse";

export interface CompletionDeps extends LoadDeps {
  statements: StatementTracker;
  /** A handed-off statement still running after this long is alerted about (once). */
  stuckAfterMs: number;
}

export interface CompletionOutcome {
  statementId: string;
  /** `ignored`: not ours, already finalised, or still running. */
  status: "ignored" | "finished" | "failed" | "aborted" | "retried";
  run?: LoadOutcome;
  message: string;
}

function filesOf(
  record: HandedOffStatement,
  status: FileOutcome["status"],
  durationMs: number,
): FileOutcome[] {
  return record.files.map((f) => ({
    table: record.table as StarTable,
    key: f.key,
    status,
    rows: status === "FINISHED" ? f.rows : 0,
    durationMs,
    statementId: record.statementId,
  }));
}

function auditContext(record: HandedOffStatement): AuditContext {
  return {
    runId: record.runId,
    bucket: record.bucket,
    attempt: record.attempt,
    plan: {
      runId: record.runId,
      bucket: record.bucket,
      tables: [
        { table: record.table, files: record.files.map((f) => ({ ...f, table: record.table, sha256: "" })) },
      ],
    },
  };
}

async function finalise(
  settled: SettledStatement,
  deps: CompletionDeps,
  time: InvocationTime,
): Promise<CompletionOutcome> {
  const { record } = settled;
  const context = auditContext(record);
  const durationMs = Math.max(0, deps.clock().getTime() - Date.parse(record.submittedAt));
  if (settled.state === "FINISHED") {
    const files = filesOf(record, "FINISHED", durationMs);
    await deps.audit.record([
      ...fileItems(context, files),
      runItem(context, {
        status: "FINISHED",
        rows: files.reduce((n, f) => n + f.rows, 0),
        durationMs,
        statementId: record.statementId,
      }),
    ]);
    // The rest of the run: tables in the ledger are skipped, the next one is submitted.
    const run = await runLoad({ runId: record.runId }, deps, time);
    return {
      statementId: record.statementId,
      status: "finished",
      run,
      message: `${record.table} of run ${record.runId} finished; ${run.message}`,
    };
  }
  await reportFailure(loadReporter(deps), context, settled.error, [], durationMs);
  if (settled.retryable) {
    const run = await runLoad({ runId: record.runId }, deps, time);
    return {
      statementId: record.statementId,
      status: "retried",
      run,
      message: `${record.table} of run ${record.runId} failed and was submitted again; ${run.message}`,
    };
  }
  await deps.statements.finishRun(record.runId);
  return {
    statementId: record.statementId,
    status: settled.state === "ABORTED" ? "aborted" : "failed",
    message: `${record.table} of run ${record.runId} ${settled.state}: ${messageOf(settled.error)}`,
  };
}

/**
 * Finalises one statement handed off by a load, from its Data API status event: FINISHED is
 * audited and the run's load goes on with its next table; FAILED with a serialization or
 * connection error is reported and submitted again; any other FAILED, and ABORTED, is audited,
 * recorded with the load-error rows, alerted, and ends the run. A statement that is not ours, is
 * still running, or was finalised already is ignored.
 */
export async function completeStatement(
  statementId: string,
  deps: CompletionDeps,
  time: InvocationTime,
): Promise<CompletionOutcome> {
  const settled = await deps.statements.settle(statementId);
  if (!settled) {
    return {
      statementId,
      status: "ignored",
      message: `statement ${statementId} is not waiting to be finalised`,
    };
  }
  return finalise(settled, deps, time);
}

export interface SweepOutcome {
  finalised: CompletionOutcome[];
  continued: LoadOutcome[];
  stuck: string[];
}

/**
 * The scheduled sweep for missed events: finalises every handed-off statement that has ended,
 * alerts once about those running longer than `stuckAfterMs`, and continues runs whose
 * statement settled but whose load did not go on (a continuation that failed and was not retried).
 */
export async function sweepStatements(deps: CompletionDeps, time: InvocationTime): Promise<SweepOutcome> {
  const outcome: SweepOutcome = { finalised: [], continued: [], stuck: [] };
  const now = deps.clock();
  for (const record of await deps.statements.pending()) {
    const settled = await deps.statements.settle(record.statementId);
    if (settled) {
      outcome.finalised.push(await finalise(settled, deps, time));
      continue;
    }
    const age = now.getTime() - Date.parse(record.submittedAt);
    if (age > deps.stuckAfterMs && !record.alertedAt) {
      await deps.alerter.alert({
        stage: "load",
        runId: record.runId,
        table: record.table,
        ...(record.files[0] ? { key: record.files[0].key } : {}),
        subject: "statement still running",
        detail: {
          statementId: record.statementId,
          submittedAt: record.submittedAt,
          minutes: Math.round(age / 60_000),
        },
      });
      await deps.statements.markAlerted(record.statementId, now);
      outcome.stuck.push(record.statementId);
    }
  }
  const waiting = new Set((await deps.statements.pending()).map((r) => r.runId));
  for (const run of await deps.statements.pendingRuns()) {
    if (waiting.has(run.runId)) continue;
    outcome.continued.push(await runLoad({ runId: run.runId as LoadOutcome["runId"] }, deps, time));
  }
  return outcome;
}
