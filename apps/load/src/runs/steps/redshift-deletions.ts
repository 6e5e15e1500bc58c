import { LoadTransientError } from "@etl/db/errors";
import {
  redshiftDeletionStatements,
  type StatementRunner,
  StatementStillRunningError,
} from "@etl/db/redshift";
import type { LoadPlan } from "./plan-load";

export interface DeletionBatchOptions {
  statements: StatementRunner;
  schema: string;
  /** A fresh statement name (a correlation id). */
  name: () => string;
  deadline: number;
  pollBudgetMs: number;
}

/**
 * Applies a run's deletions on Redshift (dimension rows marked, fact deletion versions), once its
 * tables are committed (so the detection date is in dim_date), in batches of 40 statements (the
 * Data API's limit). Every statement is idempotent, so a batch run again after a failure or a
 * redelivery changes nothing; one still running at the deadline fails the attempt as retryable,
 * and the retry finds its work done.
 */
export async function applyRedshiftDeletions(plan: LoadPlan, options: DeletionBatchOptions): Promise<void> {
  const sqls = redshiftDeletionStatements(options.schema, plan.deletions ?? []);
  for (let i = 0; i < sqls.length; i += 40) {
    try {
      const status = await options.statements.run(
        { sqls: sqls.slice(i, i + 40), name: options.name() },
        { deadline: options.deadline, pollBudgetMs: options.pollBudgetMs },
      );
      if (status.state !== "FINISHED") {
        throw new LoadTransientError(`run ${plan.runId}: deletion statement ${status.id} ${status.state}`, {
          statementId: status.id,
          ...(status.error ? { details: { error: status.error } } : {}),
        });
      }
    } catch (error) {
      if (!(error instanceof StatementStillRunningError)) throw error;
      throw new LoadTransientError(
        `run ${plan.runId}: deletion statement ${error.statementId} still running; the retry finds it done`,
        { statementId: error.statementId },
      );
    }
  }
}
