import { caseArgs, reportCase } from "../measure";
import { duckdbSalesOrdersReference } from "../transform";

const args = caseArgs<{ files: string[]; output: string }>();

await reportCase(async () => {
  const outcome = await duckdbSalesOrdersReference({ files: args.files, output: args.output });
  return { rows: outcome.rows, detail: { bytes: outcome.bytes } };
});
