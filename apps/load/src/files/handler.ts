import { SqsSchema } from "@aws-lambda-powertools/parser/schemas";
import type { Context, SQSBatchResponse } from "aws-lambda";
import { createFilesDeps, type FilesAppDeps } from "./deps";
import { settleFileMessages } from "./steps/settle-file-messages";

/**
 * The landed-file loader: SQS messages carrying S3 ObjectCreated notifications of files under
 * `landing/` → one `runFileLoad` per object version, settled by `settleFileMessages`.
 */
export function createHandler(deps: FilesAppDeps) {
  return async (event: unknown, context?: Context): Promise<SQSBatchResponse> => {
    if (context) deps.logger.addContext(context);
    const invocation = { remainingMs: () => context?.getRemainingTimeInMillis() ?? 15 * 60_000 };
    return settleFileMessages(SqsSchema.parse(event).Records, deps, invocation);
  };
}

export const handler = createHandler(createFilesDeps());
