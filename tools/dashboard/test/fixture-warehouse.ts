import { migratePostgresWarehouse } from "@etl/db/warehouse";
import pg from "pg";

/** The runs the fixture's ledger holds: two finished and one failed, in ingest order. */
export const FIXTURE_RUNS = [
  {
    runId: "20260301T090000000Z-00000001",
    status: "FINISHED",
    started: "2026-03-01 09:00:05+00",
    finished: "2026-03-01 09:00:40+00",
  },
  {
    runId: "20260302T090000000Z-00000002",
    status: "FINISHED",
    started: "2026-03-02 09:00:04+00",
    finished: "2026-03-02 09:00:30+00",
  },
  {
    runId: "20260303T090000000Z-00000003",
    status: "FAILED",
    started: "2026-03-03 09:00:04+00",
    finished: null,
  },
] as const;

const CURRENCIES = [
  [1, "GBP", "British pound sterling"],
  [2, "USD", "United States dollar"],
  [3, "EUR", "Euro"],
] as const;

/** A small random-looking but fixed sequence, so the figures are the same every run. */
function sequence(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
}

const pad = (n: number) => String(n).padStart(2, "0");

/**
 * Migrates a fresh PostgreSQL database into the warehouse and fills it: dimensions, 240 sales
 * orders (some with a second version, so the current-version rule matters), purchase orders,
 * payments, and a ledger of three runs with their tables and a landed file.
 */
export async function fillWarehouse(
  url: string,
  options: { sales?: boolean; purchases?: boolean } = {},
): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await migratePostgresWarehouse(client);
    const q = (sql: string, values: unknown[] = []) => client.query(sql, values);
    await q(`insert into warehouse.dim_date (date_id, year, month, day, day_of_week, day_name, month_name, quarter)
      select d, extract(year from d), extract(month from d), extract(day from d), extract(isodow from d),
             to_char(d, 'FMDay'), to_char(d, 'FMMonth'), extract(quarter from d)
        from generate_series(date '2025-01-01', date '2026-12-31', interval '1 day') d`);
    for (const [id, code, name] of CURRENCIES)
      await q("insert into warehouse.dim_currency values ($1, $2, $3, now())", [id, code, name]);
    for (let i = 1; i <= 6; i++) {
      await q("insert into warehouse.dim_location values ($1, $2, null, null, $3, $4, $5, $6, now())", [
        i,
        `${i} High Street`,
        ["Leeds", "Paris", "Boston", "Oslo", "Lima", "Kyoto"][i - 1],
        `P${i}`,
        ["UK", "France", "USA", "Norway", "Peru", "Japan"][i - 1],
        "0100",
      ]);
      await q(
        "insert into warehouse.dim_counterparty values ($1, $2, 'a', null, null, 'c', 'p', 'k', '0', now())",
        [i, `Counterparty <${i}> & Co`],
      );
      await q("insert into warehouse.dim_staff values ($1, $2, $3, 'Sales', null, 'x@example.com', now())", [
        i,
        ["Ada", "Bo", "Cy", "Di", "Ed", "Flo"][i - 1],
        `Staff${i}`,
      ]);
    }
    for (let i = 1; i <= 12; i++)
      await q("insert into warehouse.dim_design values ($1, $2, '/d', 'd.json', now())", [i, `Design ${i}`]);
    for (const [id, name] of [
      [1, "SALES_RECEIPT"],
      [2, "PURCHASE_PAYMENT"],
    ] as const)
      await q("insert into warehouse.dim_payment_type values ($1, $2, now())", [id, name]);
    const next = sequence(7);
    const pick = (n: number) => 1 + Math.floor(next() * n);
    if (options.sales !== false) {
      for (let id = 1; id <= 240; id++) {
        const day = `2026-${pad(pick(12))}-${pad(pick(28))}`;
        const versions = id % 5 === 0 ? 2 : 1;
        for (let v = 0; v < versions; v++) {
          await q(
            `insert into warehouse.fact_sales_order (sales_order_id, created_date, created_time, last_updated_date,
               last_updated_time, sales_staff_id, counterparty_id, units_sold, unit_price, currency_id, design_id,
               agreed_payment_date, agreed_delivery_date, agreed_delivery_location_id)
             values ($1, $2, '10:00:00', $3, $4, $5, $6, $7, $8, $9, $10, $2, $2, $11)`,
            [
              id,
              day,
              v === 0 ? "2026-03-01" : "2026-03-02",
              v === 0 ? `08:${pad(id % 60)}:00` : `08:${pad(id % 60)}:30`,
              pick(6),
              pick(6),
              pick(900) + 10,
              (pick(40000) / 100 + 1).toFixed(2),
              pick(3),
              pick(12),
              pick(6),
            ],
          );
        }
      }
    }
    if (options.purchases !== false) {
      for (let id = 1; id <= 30; id++) {
        const day = `2026-${pad(pick(12))}-${pad(pick(28))}`;
        await q(
          `insert into warehouse.fact_purchase_order (purchase_order_id, created_date, created_time, last_updated_date,
             last_updated_time, staff_id, counterparty_id, item_code, item_quantity, item_unit_price, currency_id,
             agreed_delivery_date, agreed_payment_date, agreed_delivery_location_id)
           values ($1, $2, '11:00:00', '2026-03-01', '08:00:00', $3, $4, $5, $6, $7, $8, $2, $2, $9)`,
          [
            id,
            day,
            pick(6),
            pick(6),
            `ITEM${pick(8)}`,
            pick(500),
            (pick(9000) / 100).toFixed(2),
            pick(3),
            pick(6),
          ],
        );
      }
      for (let id = 1; id <= 40; id++) {
        await q("insert into warehouse.dim_transaction values ($1, 'SALE', $1, null, now())", [id]);
        const day = `2026-${pad(pick(12))}-${pad(pick(28))}`;
        await q(
          `insert into warehouse.fact_payment (payment_id, created_date, created_time, last_updated_date, last_updated_time,
             transaction_id, counterparty_id, payment_amount, currency_id, payment_type_id, paid, payment_date)
           values ($1, $2, '12:00:00', '2026-03-01', '08:00:00', $1, $3, $4, $5, $6, $7, $2)`,
          [id, day, pick(6), (pick(500000) / 100).toFixed(2), pick(3), pick(2), id % 3 !== 0],
        );
      }
    }
    for (const [i, run] of FIXTURE_RUNS.entries()) {
      await q(
        `insert into etl.load_runs (run_id, target, status, started_at, finished_at, files, rows, inserted, updated)
         values ($1, 'postgres', $2, $3, $4, 2, $5, $6, $7)`,
        [run.runId, run.status, run.started, run.finished, 100 * (i + 1), 90 * (i + 1), i],
      );
      if (run.status !== "FINISHED") continue;
      for (const table of ["dim_counterparty", "fact_sales_order"])
        await q(
          "insert into etl.loaded_tables (run_id, table_name, files, rows, inserted, updated) values ($1, $2, 1, $3, $4, $5)",
          [run.runId, table, 40 * (i + 1) + table.length, 30 * (i + 1), i],
        );
    }
    await q(
      "insert into etl.loaded_files (key, run_id, table_name, sha256, rows, loaded_at) values ($1, $2, $3, $4, $5, $6)",
      [
        "landing/rates/2026-03-01.csv",
        "rule-exchange_rates",
        "exchange_rates",
        "0".repeat(64),
        3,
        "2026-03-01 10:00:00+00",
      ],
    );
  } finally {
    await client.end();
  }
}

/** Migrates a fresh database into an empty warehouse: tables and ledger, no rows. */
export async function emptyWarehouse(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await migratePostgresWarehouse(client);
  } finally {
    await client.end();
  }
}
