import { ConfigError } from "@etl/schemas";
import type { Context } from "aws-lambda";
import { z } from "zod";
import { completeStatement, sweepStatements } from "./complete-statement";
import { createLoadDeps, type LoadAppDeps } from "./deps";

/** The Data API's EventBridge event when a statement sent `WithEvent` ends. */
export const StatementStatusEventSchema = z.object({
  source: z.literal("aws.redshift-data"),
  "detail-type": z.literal("Redshift Data Statement Status Change"),
  detail: z.object({
    statementId: z.string().min(1),
    state: z.enum(["FINISHED", "FAILED", "ABORTED"]),
  }),
});

/** The scheduled sweep (an EventBridge schedule rule). */
export const SweepEventSchema = z.object({
  source: z.literal("aws.events"),
  "detail-type": z.literal("Scheduled Event"),
});

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
