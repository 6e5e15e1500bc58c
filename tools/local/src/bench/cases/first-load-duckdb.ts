import { duckdbStarReference } from "../first-load/duckdb-star-reference";
import { caseArgs, reportCase } from "../measure";

const args = caseArgs<{ rawDir: string; outDir: string }>();

await reportCase(async () => {
  const tables = await duckdbStarReference(args);
  return { rows: Object.values(tables).reduce((n, r) => n + r, 0), detail: { tables } };
});
