import { ConfigError } from "@etl/schemas";
import type { Context } from "aws-lambda";
import { completeStatement, sweepStatements } from "./complete-statement";
import { createLoadDeps, type LoadAppDeps } from "./deps";
import { StatementStatusEventSchema, SweepEventSchema } from "./steps/statement-events";

/**
 * Finalises Redshift statements the loaders handed off: a status event settles its statement;
 * the scheduled sweep settles those whose event was missed, alerts about stuck ones and
 * continues runs left waiting. Anything else is refused. Failures are thrown, so EventBridge
 * retries and the error alarm fires; the next sweep picks up what is left.
 */
export function createCompletionHandler(app: LoadAppDeps) {
  return async (event: unknown, context?: Context) => {
    if (context) app.logger.addContext(context);
    const completion = app.completion;
    if (!completion) throw new ConfigError("the completion handler needs WAREHOUSE_TARGET=redshift", []);
    const time = { remainingMs: () => context?.getRemainingTimeInMillis() ?? 5 * 60_000 };
    const status = StatementStatusEventSchema.safeParse(event);
    if (status.success) {
      const outcome = await completeStatement(status.data.detail.statementId, completion, time);
      app.logger.info("statement event handled", { ...outcome });
      return { statusCode: 200, message: outcome.message };
    }
    SweepEventSchema.parse(event);
    const sweep = await sweepStatements(completion, time);
    const message = `sweep: ${sweep.finalised.length} finalised, ${sweep.stuck.length} stuck, ${sweep.continued.length} runs continued`;
    app.logger.info("sweep done", { message, stuck: sweep.stuck });
    return { statusCode: 200, message };
  };
}

export const handler = createCompletionHandler(createLoadDeps());
