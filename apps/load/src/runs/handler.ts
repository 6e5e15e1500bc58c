import { SqsSchema } from "@aws-lambda-powertools/parser/schemas";
import type { Context, SQSBatchResponse } from "aws-lambda";
import { createLoadDeps, type LoadAppDeps } from "./deps";
import { DirectLoadEventSchema } from "./steps/parse-messages";
import { loadDirect, settleLoadMessages } from "./steps/settle-load-messages";

/**
 * The run loader: SQS FIFO messages announcing processed-run manifests (S3 notifications or
 * EventBridge "Object Created" events) → `runLoad` per run, settled in order
 * (`settleLoadMessages`). Invoked directly with `{ runId }`, it returns `{ statusCode, message }`.
 */
export function createHandler(app: LoadAppDeps) {
  return async (
    event: unknown,
    context?: Context,
  ): Promise<SQSBatchResponse | { statusCode: number; message: string }> => {
    if (context) app.logger.addContext(context);
    const time = { remainingMs: () => context?.getRemainingTimeInMillis() ?? 15 * 60_000 };
    const direct = DirectLoadEventSchema.safeParse(event);
    if (direct.success) return loadDirect(direct.data.runId, app, time);
    return settleLoadMessages(SqsSchema.parse(event).Records, app, time);
  };
}

export const handler = createHandler(createLoadDeps());
