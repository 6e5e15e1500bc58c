import { qualified, quoteIdent } from "@etl/db";
import { SOURCE_TABLES, type SourceTable } from "@etl/schemas";
import type pg from "pg";
import { onlyRow } from "./only-row";

/** What the seeded database holds that a day of changes picks from. */
export interface Existing {
  today: string;
  sales: number;
  maxSalesId: number;
  designs: number[];
  staff: number[];
  counterparties: number[];
  currencies: number[];
  addresses: number[];
  departments: number[];
  paymentTypes: Record<string, number>;
}

/** Reads it, inside the caller's transaction. */
export async function readExisting(client: pg.ClientBase, schema: string): Promise<Existing> {
  const ids = async (table: SourceTable) => {
    const pk = quoteIdent(SOURCE_TABLES[table]);
    const { rows } = await client.query<{ id: number }>(
      `select ${pk} as id from ${qualified(schema, table)} order by ${pk}`,
    );
    return rows.map((r) => r.id);
  };
  const sales = await client.query<{ n: number; max: number; today: string }>(
    `select count(*)::int as n, coalesce(max(sales_order_id), 0)::int as max, current_date::text as today
       from ${qualified(schema, "sales_order")}`,
  );
  const types = await client.query<{ payment_type_id: number; payment_type_name: string }>(
    `select payment_type_id, payment_type_name from ${qualified(schema, "payment_type")}`,
  );
  const totals = onlyRow(sales.rows, "sales_order totals");
  return {
    today: totals.today,
    sales: totals.n,
    maxSalesId: totals.max,
    designs: await ids("design"),
    staff: await ids("staff"),
    counterparties: await ids("counterparty"),
    currencies: await ids("currency"),
    addresses: await ids("address"),
    departments: await ids("department"),
    paymentTypes: Object.fromEntries(types.rows.map((t) => [t.payment_type_name, t.payment_type_id])),
  };
}

/** Takes `n` ids from a table's sequence, first moving it past any id already in the table. */
export async function reserveIds(
  client: pg.ClientBase,
  schema: string,
  table: SourceTable,
  n: number,
): Promise<number[]> {
  const target = qualified(schema, table);
  const pk = quoteIdent(SOURCE_TABLES[table]);
  await client.query(
    `select setval(pg_get_serial_sequence($1, $2),
       greatest((select coalesce(max(${pk}), 0) + 1 from ${target}), nextval(pg_get_serial_sequence($1, $2))), false)`,
    [target, SOURCE_TABLES[table]],
  );
  const { rows } = await client.query<{ id: number }>(
    "select nextval(pg_get_serial_sequence($1, $2))::int as id from generate_series(1, $3)",
    [target, SOURCE_TABLES[table], n],
  );
  return rows.map((r) => r.id);
}
