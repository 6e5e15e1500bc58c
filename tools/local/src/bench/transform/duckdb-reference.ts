import { stat } from "node:fs/promises";
import { DuckDBInstance } from "@duckdb/node-api";
import type { BenchOutcome } from "./sales-orders-bench";

const quote = (text: string) => `'${text.replace(/'/g, "''")}'`;

/**
 * The reference: DuckDB reads the same raw gzip JSON Lines with `read_json` and writes
 * `fact_sales_order` with `COPY ... TO ... (FORMAT parquet)`, Snappy, with the transform's columns
 * and types: INTEGER ids and counts, DATE, DECIMAL(10,2), times as text `HH:MM:SS.ffffff`. DuckDB
 * is a development dependency: this module is for the benchmark, never the Lambda bundle.
 *
 * @example
 * const reference = await duckdbSalesOrdersReference({ files: raw.files, output: "/tmp/fact_sales_order.parquet" });
 */
export async function duckdbSalesOrdersReference(options: {
  files: string[];
  output: string;
}): Promise<BenchOutcome> {
  const started = performance.now();
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    const files = `[${options.files.map(quote).join(", ")}]`;
    const timestamp = (column: string) => `CAST(${column} AS TIMESTAMP)`;
    const time = (column: string) => `strftime(${timestamp(column)}, '%H:%M:%S.%f')`;
    await connection.run(`
      COPY (
        SELECT
          sales_order_id,
          CAST(${timestamp("created_at")} AS DATE) AS created_date,
          ${time("created_at")} AS created_time,
          CAST(${timestamp("last_updated")} AS DATE) AS last_updated_date,
          ${time("last_updated")} AS last_updated_time,
          staff_id AS sales_staff_id,
          counterparty_id,
          units_sold,
          CAST(unit_price AS DECIMAL(10,2)) AS unit_price,
          currency_id,
          design_id,
          CAST(agreed_payment_date AS DATE) AS agreed_payment_date,
          CAST(agreed_delivery_date AS DATE) AS agreed_delivery_date,
          agreed_delivery_location_id
        FROM read_json(${files}, format = 'newline_delimited', compression = 'gzip', columns = {
          sales_order_id: 'INTEGER', created_at: 'VARCHAR', last_updated: 'VARCHAR', design_id: 'INTEGER',
          staff_id: 'INTEGER', counterparty_id: 'INTEGER', units_sold: 'INTEGER', unit_price: 'VARCHAR',
          currency_id: 'INTEGER', agreed_delivery_date: 'VARCHAR', agreed_payment_date: 'VARCHAR',
          agreed_delivery_location_id: 'INTEGER'
        })
      ) TO ${quote(options.output)} (FORMAT parquet, COMPRESSION snappy)`);
    const counted = await connection.runAndReadAll(
      `SELECT count(*)::INTEGER AS n FROM read_parquet(${quote(options.output)})`,
    );
    const ms = performance.now() - started;
    const rows = Number(counted.getRowObjectsJson()[0]?.n ?? 0);
    return { rows, files: [options.output], bytes: (await stat(options.output)).size, ms };
  } finally {
    connection.closeSync();
  }
}
