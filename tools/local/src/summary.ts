import { qualified, quoteIdent } from "@etl/db";
import { STAR_TABLE_NAMES } from "@etl/schemas";
import type pg from "pg";

export interface BusinessAnswer {
  question: string;
  columns: string[];
  rows: (string | number | null)[][];
}

export interface WarehouseSummary {
  tables: Record<string, number>;
  runs: { loaded: number; files: number; rows: number };
  answers: BusinessAnswer[];
}

/**
 * The newest version of every sales order still at the source: facts keep every version, so
 * business questions read the latest one per order, and an order whose latest version is its
 * deletion is gone (docs/deletes.md).
 */
const currentSales = (schema: string) => `
  with current_sales as (
    select * from (
      select distinct on (sales_order_id) *
        from ${qualified(schema, "fact_sales_order")}
       order by sales_order_id, last_updated_date desc, last_updated_time desc
    ) newest where not is_deleted
  )`;

/** Three questions a sales team asks first, answered from the star schema alone. */
export function businessQuestions(schema: string): { question: string; sql: string }[] {
  const s = (t: string) => qualified(schema, t);
  return [
    {
      question: "Sales by month (last 6 months with sales)",
      sql: `${currentSales(schema)}
        select to_char(d.date_id, 'YYYY-MM') as month, c.currency_code as currency,
               count(*)::int as orders, sum(f.units_sold)::bigint as units, sum(f.units_sold * f.unit_price)::text as revenue
          from current_sales f
          join ${s("dim_date")} d on d.date_id = f.created_date
          join ${s("dim_currency")} c on c.currency_id = f.currency_id
         where to_char(d.date_id, 'YYYY-MM') in (
           select distinct to_char(created_date, 'YYYY-MM') from current_sales order by 1 desc limit 6)
         group by 1, 2 order by 1 desc, 2`,
    },
    {
      question: "Top 5 counterparties by revenue",
      sql: `${currentSales(schema)}
        select cp.counterparty_legal_name as counterparty, c.currency_code as currency,
               sum(f.units_sold * f.unit_price)::text as revenue
          from current_sales f
          join ${s("dim_counterparty")} cp on cp.counterparty_id = f.counterparty_id
          join ${s("dim_currency")} c on c.currency_id = f.currency_id
         group by 1, 2 order by sum(f.units_sold * f.unit_price) desc limit 5`,
    },
    {
      question: "Top 5 designs by units sold",
      sql: `${currentSales(schema)}
        select d.design_name as design, sum(f.units_sold)::bigint as units
          from current_sales f
          join ${s("dim_design")} d on d.design_id = f.design_id
         group by 1 order by 2 desc, 1 limit 5`,
    },
  ];
}

export async function summariseWarehouse(
  client: pg.ClientBase,
  schema = "warehouse",
): Promise<WarehouseSummary> {
  const tables: Record<string, number> = {};
  for (const table of STAR_TABLE_NAMES) {
    const { rows } = await client.query<{ n: string }>(
      `select count(*) as n from ${qualified(schema, table)}`,
    );
    tables[table] = Number(rows[0]?.n ?? 0);
  }
  const ledger = await client.query<{ loaded: string; files: string; rows: string }>(
    `select (select count(*) from ${quoteIdent("etl")}.${quoteIdent("load_runs")} where status = 'FINISHED') as loaded,
            count(*) as files, coalesce(sum(rows), 0) as rows
       from ${quoteIdent("etl")}.${quoteIdent("loaded_files")}`,
  );
  const answers: BusinessAnswer[] = [];
  for (const q of businessQuestions(schema)) {
    const result = await client.query({ text: q.sql, rowMode: "array" });
    answers.push({
      question: q.question,
      columns: result.fields.map((f) => f.name),
      rows: result.rows as (string | number | null)[][],
    });
  }
  const row = ledger.rows[0];
  return {
    tables,
    runs: { loaded: Number(row?.loaded ?? 0), files: Number(row?.files ?? 0), rows: Number(row?.rows ?? 0) },
    answers,
  };
}

/** A plain text table, columns aligned, numbers right-aligned. */
export function formatTable(columns: string[], rows: (string | number | null)[][]): string[] {
  const cells = [columns, ...rows.map((r) => r.map((v) => (v === null ? "" : String(v))))];
  const widths = columns.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  const numeric = columns.map((_, i) => rows.every((r) => r[i] === null || /^-?[\d.]+$/.test(String(r[i]))));
  const line = (r: string[]) =>
    r.map((v, i) => (numeric[i] ? v.padStart(widths[i] ?? 0) : v.padEnd(widths[i] ?? 0))).join("  ");
  return [line(cells[0] ?? []), widths.map((w) => "-".repeat(w)).join("  "), ...cells.slice(1).map(line)].map(
    (l) => l.trimEnd(),
  );
}
