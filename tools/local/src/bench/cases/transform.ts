import type { RunId } from "@etl/schemas";
import { caseArgs, reportCase } from "../measure";
import { transformSalesOrdersBench } from "../transform";

const args = caseArgs<{ dir: string; runId: RunId }>();

await reportCase(async () => {
  const outcome = await transformSalesOrdersBench({ dir: args.dir, runId: args.runId });
  return { rows: outcome.rows, detail: { files: outcome.files.length, bytes: outcome.bytes } };
});
