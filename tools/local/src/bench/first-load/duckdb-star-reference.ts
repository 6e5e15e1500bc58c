import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { SOURCE_TABLE_NAMES, STAR_TABLE_NAMES, type StarTable } from "@etl/schemas";

const quote = (text: string) => `'${text.replace(/'/g, "''")}'`;
const ts = (column: string) => `CAST(${column} AS TIMESTAMP)`;
const date = (column: string) => `CAST(${ts(column)} AS DATE)`;
const time = (column: string) => `strftime(${ts(column)}, '%H:%M:%S.%f')`;
const stamp = (column: string) => `strftime(${ts(column)}, '%Y-%m-%d %H:%M:%S.%f')`;
/** The newest version of each key, as the transform's dimensions keep. */
const newest = (table: string, key: string) =>
  `(SELECT * FROM src_${table} QUALIFY row_number() OVER (PARTITION BY ${key} ORDER BY last_updated DESC) = 1)`;
const versions = (table: string, key: string) =>
  `(SELECT DISTINCT ON (${key}, last_updated) * FROM src_${table})`;

/** The SELECT of each star table over the `src_<table>` views of the raw files. */
const STAR_SQL: Record<StarTable, string> = {
  dim_date: `
    WITH d AS (
      SELECT DISTINCT CAST(x AS DATE) AS d FROM (
        SELECT unnest([${date("created_at")}, ${date("last_updated")}, CAST(agreed_payment_date AS DATE), CAST(agreed_delivery_date AS DATE)]) AS x FROM src_sales_order
        UNION ALL SELECT unnest([${date("created_at")}, ${date("last_updated")}, CAST(agreed_payment_date AS DATE), CAST(agreed_delivery_date AS DATE)]) FROM src_purchase_order
        UNION ALL SELECT unnest([${date("created_at")}, ${date("last_updated")}, CAST(payment_date AS DATE)]) FROM src_payment))
    SELECT d AS date_id, year(d) AS year, month(d) AS month, day(d) AS day, isodow(d) AS day_of_week,
           dayname(d) AS day_name, monthname(d) AS month_name, quarter(d) AS quarter FROM d ORDER BY d`,
  dim_location: `
    SELECT address_id AS location_id, address_line_1, address_line_2, district, city, postal_code, country, phone,
           ${stamp("last_updated")} AS source_updated_at FROM ${newest("address", "address_id")}`,
  dim_currency: `
    SELECT currency_id, currency_code,
           CASE currency_code WHEN 'GBP' THEN 'Pound Sterling' WHEN 'USD' THEN 'US Dollar' WHEN 'EUR' THEN 'Euro' END AS currency_name,
           ${stamp("last_updated")} AS source_updated_at FROM ${newest("currency", "currency_id")}`,
  dim_design: `
    SELECT design_id, design_name, file_location, file_name, ${stamp("last_updated")} AS source_updated_at
      FROM ${newest("design", "design_id")}`,
  dim_staff: `
    SELECT s.staff_id, s.first_name, s.last_name, d.department_name, d.location, s.email_address,
           ${stamp("greatest(s.last_updated, d.last_updated)")} AS source_updated_at
      FROM ${newest("staff", "staff_id")} s JOIN ${newest("department", "department_id")} d USING (department_id)`,
  dim_counterparty: `
    SELECT c.counterparty_id, c.counterparty_legal_name,
           a.address_line_1 AS counterparty_legal_address_line_1, a.address_line_2 AS counterparty_legal_address_line_2,
           a.district AS counterparty_legal_district, a.city AS counterparty_legal_city,
           a.postal_code AS counterparty_legal_postal_code, a.country AS counterparty_legal_country,
           a.phone AS counterparty_legal_phone_number,
           ${stamp("greatest(c.last_updated, a.last_updated)")} AS source_updated_at
      FROM ${newest("counterparty", "counterparty_id")} c
      JOIN ${newest("address", "address_id")} a ON a.address_id = c.legal_address_id`,
  dim_payment_type: `
    SELECT payment_type_id, payment_type_name, ${stamp("last_updated")} AS source_updated_at
      FROM ${newest("payment_type", "payment_type_id")}`,
  dim_transaction: `
    SELECT transaction_id, transaction_type, sales_order_id, purchase_order_id,
           ${stamp("last_updated")} AS source_updated_at FROM ${newest("transaction", "transaction_id")}`,
  fact_sales_order: `
    SELECT sales_order_id, ${date("created_at")} AS created_date, ${time("created_at")} AS created_time,
           ${date("last_updated")} AS last_updated_date, ${time("last_updated")} AS last_updated_time,
           staff_id AS sales_staff_id, counterparty_id, units_sold, CAST(unit_price AS DECIMAL(10,2)) AS unit_price,
           currency_id, design_id, CAST(agreed_payment_date AS DATE) AS agreed_payment_date,
           CAST(agreed_delivery_date AS DATE) AS agreed_delivery_date, agreed_delivery_location_id
      FROM ${versions("sales_order", "sales_order_id")}`,
  fact_purchase_order: `
    SELECT purchase_order_id, ${date("created_at")} AS created_date, ${time("created_at")} AS created_time,
           ${date("last_updated")} AS last_updated_date, ${time("last_updated")} AS last_updated_time,
           staff_id, counterparty_id, item_code, item_quantity, CAST(item_unit_price AS DECIMAL(12,2)) AS item_unit_price,
           currency_id, CAST(agreed_delivery_date AS DATE) AS agreed_delivery_date,
           CAST(agreed_payment_date AS DATE) AS agreed_payment_date, agreed_delivery_location_id
      FROM ${versions("purchase_order", "purchase_order_id")}`,
  fact_payment: `
    SELECT payment_id, ${date("created_at")} AS created_date, ${time("created_at")} AS created_time,
           ${date("last_updated")} AS last_updated_date, ${time("last_updated")} AS last_updated_time,
           transaction_id, counterparty_id, CAST(payment_amount AS DECIMAL(14,2)) AS payment_amount,
           currency_id, payment_type_id, paid, CAST(payment_date AS DATE) AS payment_date
      FROM ${versions("payment", "payment_id")}`,
};

/**
 * The first load's transform reference: DuckDB reads every source table's raw gzip JSON Lines
 * (`<rawDir>/<table>/**.jsonl.gz`, as the ingest wrote them) and writes the eleven star tables
 * as Snappy Parquet under `outDir`, with the transform's rules: the newest version of each
 * dimension key joined to its sources, one fact row per source version, `dim_date` of every date
 * the facts hold, timestamps split into date and `HH:MM:SS.ffffff`, decimals at their scale.
 * Development only: never in a Lambda bundle. Returns the rows written per star table.
 */
export async function duckdbStarReference(options: {
  rawDir: string;
  outDir: string;
}): Promise<Record<StarTable, number>> {
  await mkdir(options.outDir, { recursive: true });
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    for (const table of SOURCE_TABLE_NAMES) {
      const glob = join(options.rawDir, table, "**", "*.jsonl.gz");
      await connection.run(
        `CREATE VIEW src_${table} AS SELECT * FROM read_json(${quote(glob)}, format = 'newline_delimited', compression = 'gzip')`,
      );
    }
    const rows = {} as Record<StarTable, number>;
    for (const table of STAR_TABLE_NAMES) {
      const output = join(options.outDir, `${table}.parquet`);
      await connection.run(
        `COPY (${STAR_SQL[table]}) TO ${quote(output)} (FORMAT parquet, COMPRESSION snappy)`,
      );
      const counted = await connection.runAndReadAll(
        `SELECT count(*)::INTEGER AS n FROM read_parquet(${quote(output)})`,
      );
      rows[table] = Number(counted.getRowObjectsJson()[0]?.n ?? 0);
    }
    return rows;
  } finally {
    connection.closeSync();
  }
}
