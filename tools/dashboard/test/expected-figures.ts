import pg from "pg";

/**
 * The figures each page should show, computed straight from the warehouse with SQL of its own
 * (PostgreSQL's `distinct on` for the current versions, not the dashboard's rollup).
 */
export async function expectedSales(url: string, currency?: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const current = `with cur as (select distinct on (sales_order_id) * from warehouse.fact_sales_order
                       order by sales_order_id, last_updated_date desc, last_updated_time desc)`;
    const where = currency ? "where c.currency_code = $1" : "";
    const params = currency ? [currency] : [];
    const totals = await client.query<{ currency: string; orders: string; units: string; revenue: string }>(
      `${current} select c.currency_code as currency, count(*) as orders, sum(units_sold) as units,
              sum(units_sold * unit_price)::text as revenue
         from cur join warehouse.dim_currency c using (currency_id) ${where} group by 1 order by 1`,
      params,
    );
    const byMonth = await client.query<{ month: string; currency: string; revenue: string }>(
      `${current} select to_char(created_date, 'YYYY-MM') as month, c.currency_code as currency,
              sum(units_sold * unit_price)::text as revenue
         from cur join warehouse.dim_currency c using (currency_id) ${where} group by 1, 2 order by 1, 2`,
      params,
    );
    const byStaff = await client.query<{ staff: string; units: string }>(
      `${current} select s.first_name || ' ' || s.last_name as staff, sum(units_sold) as units
         from cur join warehouse.dim_staff s on s.staff_id = cur.sales_staff_id
         join warehouse.dim_currency c using (currency_id) ${where}
        group by 1 order by 2 desc, 1`,
      params,
    );
    const byCounterparty = await client.query<{ name: string; revenue: string }>(
      `${current} select cp.counterparty_legal_name as name, sum(units_sold * unit_price)::text as revenue
         from cur join warehouse.dim_counterparty cp using (counterparty_id)
         join warehouse.dim_currency c using (currency_id) ${where}
        group by 1 order by sum(units_sold * unit_price) desc, 1`,
      params,
    );
    return {
      orders: totals.rows.reduce((n, r) => n + Number(r.orders), 0),
      units: totals.rows.reduce((n, r) => n + Number(r.units), 0),
      revenue: Object.fromEntries(totals.rows.map((r) => [r.currency, Number(r.revenue)])),
      byMonth: byMonth.rows.map((r) => ({
        month: r.month,
        currency: r.currency,
        revenue: Number(r.revenue),
      })),
      byStaff: byStaff.rows.map((r) => ({ staff: r.staff, units: Number(r.units) })),
      byCounterparty: byCounterparty.rows.map((r) => ({ name: r.name, revenue: Number(r.revenue) })),
    };
  } finally {
    await client.end();
  }
}

/** Purchase and payment totals per currency, and the runs' rows per table, straight from SQL. */
export async function expectedOthers(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const purchases = await client.query<{ currency: string; spend: string }>(
      `select c.currency_code as currency, sum(item_quantity * item_unit_price)::text as spend
         from warehouse.fact_purchase_order f join warehouse.dim_currency c using (currency_id) group by 1 order by 1`,
    );
    const payments = await client.query<{ currency: string; amount: string; n: string }>(
      `select c.currency_code as currency, sum(payment_amount)::text as amount, count(*) as n
         from warehouse.fact_payment f join warehouse.dim_currency c using (currency_id) group by 1 order by 1`,
    );
    const tables = await client.query<{ table_name: string; rows: string }>(
      "select table_name, sum(rows)::text as rows from etl.loaded_tables group by 1 order by 1",
    );
    const runs = await client.query<{ n: string; failed: string }>(
      "select count(*) as n, count(*) filter (where status <> 'FINISHED') as failed from etl.load_runs",
    );
    return {
      spend: Object.fromEntries(purchases.rows.map((r) => [r.currency, Number(r.spend)])),
      paid: Object.fromEntries(payments.rows.map((r) => [r.currency, Number(r.amount)])),
      payments: payments.rows.reduce((n, r) => n + Number(r.n), 0),
      rowsPerTable: Object.fromEntries(tables.rows.map((r) => [r.table_name, Number(r.rows)])),
      runs: Number(runs.rows[0]?.n ?? 0),
      failedRuns: Number(runs.rows[0]?.failed ?? 0),
    };
  } finally {
    await client.end();
  }
}
