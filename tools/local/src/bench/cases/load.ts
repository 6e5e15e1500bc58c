import { readFileSync } from "node:fs";
import { loadParquetIntoPostgres } from "@etl/db/warehouse";
import pg from "pg";
import { caseArgs, reportCase } from "../measure";

const args = caseArgs<{ warehouseUrl: string; files: string[] }>();

await reportCase(async () => {
  const client = new pg.Client({ connectionString: args.warehouseUrl });
  await client.connect();
  try {
    // Reading the files is part of the load (from S3 in production, from disk here).
    const files = args.files.map((f) => new Uint8Array(readFileSync(f)));
    const result = await loadParquetIntoPostgres(client, { table: "fact_sales_order", files });
    return { rows: result.inserted, detail: { ...result } };
  } finally {
    await client.end();
  }
});
