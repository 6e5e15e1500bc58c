import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { readParquet } from "@etl/s3-io/parquet";
import { SalesOrderSchema, toFactSalesOrder } from "@etl/schemas";
import { describe, expect, it } from "vitest";
import { duckdbSalesOrdersReference } from "./duckdb-reference";
import { transformSalesOrdersBench, writeSalesOrdersRawRun } from "./sales-orders-bench";
import { syntheticSalesOrder } from "./write-sales-orders-raw";

async function describeParquet(path: string) {
  const db = await DuckDBInstance.create(":memory:");
  const connection = await db.connect();
  const result = await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${path}')`);
  connection.closeSync();
  return result.getRowObjectsJson().map((r) => [r.column_name, r.column_type]);
}

describe("the sales order benchmark", () => {
  it("has the transform and DuckDB write the same rows with the same column names and types", async () => {
    const dir = mkdtempSync(join(tmpdir(), "etl-bench-"));
    const raw = await writeSalesOrdersRawRun({ dir, rows: 2500, maxPartBytes: 200_000 });

    const ours = await transformSalesOrdersBench({ dir, runId: raw.runId, partRows: 1000 });
    const reference = await duckdbSalesOrdersReference({
      files: raw.files,
      output: join(dir, "duckdb.parquet"),
    });

    expect(raw.files.length).toBeGreaterThan(2);
    expect(ours.rows).toBe(2500);
    expect(ours.files).toHaveLength(3);
    expect(reference.rows).toBe(2500);
    const expected = toFactSalesOrder(
      Array.from({ length: 2500 }, (_, i) => SalesOrderSchema.parse(syntheticSalesOrder(i + 1))),
    );
    const ourRows = [];
    for (const file of ours.files) ourRows.push(...(await readParquet(new Uint8Array(readFileSync(file)))));
    expect(ourRows).toEqual(expected);
    expect(await readParquet(new Uint8Array(readFileSync(reference.files[0] ?? "")))).toEqual(expected);
    expect(await describeParquet(ours.files[0] ?? "")).toEqual(
      await describeParquet(reference.files[0] ?? ""),
    );
  });
});
