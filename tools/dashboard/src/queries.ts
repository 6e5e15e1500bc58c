import { qualified, quoteIdent } from "@etl/db";

/** One way a star's facts are cut: a key column, and where its labels come from. */
export interface Cut {
  /** The cut's name in the rollup (`counterparty`, `design`, ...). */
  name: string;
  /** The key's SQL over the fact `f`: a dimension's id, or the label itself. */
  key: string;
  /** `select key, label` from the dimension: labels are joined in memory, once per rollup. */
  labels?: { table: string; key: string; label: string };
}

/** What a star's rollup reads: its fact, its business id, the measures and the cuts. */
export interface StarSpec {
  fact: "fact_sales_order" | "fact_purchase_order" | "fact_payment";
  id: string;
  /** The day a fact counts on. */
  day: string;
  /** The count of things (units sold, items bought, payments). */
  quantity: string;
  /** The money, in minor units (cents) of the fact's currency. */
  cents: string;
  cuts: Cut[];
}

const s = (schema: string, table: string) => qualified(schema, table);

const counterparty: Cut = {
  name: "counterparty",
  key: "f.counterparty_id",
  labels: { table: "dim_counterparty", key: "counterparty_id", label: "counterparty_legal_name" },
};
const location: Cut = {
  name: "location",
  key: "f.agreed_delivery_location_id",
  labels: { table: "dim_location", key: "location_id", label: "city || ', ' || country" },
};

export const SALES: StarSpec = {
  fact: "fact_sales_order",
  id: "sales_order_id",
  day: "f.created_date",
  quantity: "f.units_sold",
  cents: "f.units_sold * f.unit_price * 100",
  cuts: [
    counterparty,
    {
      name: "design",
      key: "f.design_id",
      labels: { table: "dim_design", key: "design_id", label: "design_name" },
    },
    location,
    {
      name: "staff",
      key: "f.sales_staff_id",
      labels: { table: "dim_staff", key: "staff_id", label: "first_name || ' ' || last_name" },
    },
  ],
};

export const PURCHASES: StarSpec = {
  fact: "fact_purchase_order",
  id: "purchase_order_id",
  day: "f.created_date",
  quantity: "f.item_quantity",
  cents: "f.item_quantity * f.item_unit_price * 100",
  cuts: [counterparty, { name: "item", key: "f.item_code" }, location],
};

export const PAYMENTS: StarSpec = {
  fact: "fact_payment",
  id: "payment_id",
  day: "f.created_date",
  quantity: "1",
  cents: "f.payment_amount * 100",
  cuts: [
    {
      name: "type",
      key: "f.payment_type_id",
      labels: { table: "dim_payment_type", key: "payment_type_id", label: "payment_type_name" },
    },
    { name: "paid", key: "case when f.paid then 'paid' else 'not paid' end" },
    counterparty,
  ],
};

/**
 * The newest version of every fact: the warehouse keeps every version of a source row, and the
 * business figures count each order once, as it stands now. A deleted order's newest version is
 * its deletion version (`is_deleted`), so it is left out: deleted orders are in no figure. `row_number()` rather than
 * PostgreSQL's `distinct on`, so the same text runs on Redshift.
 */
export function currentFactsSql(schema: string, spec: StarSpec): string {
  return `select * from (
    select x.*, row_number() over (partition by ${quoteIdent(spec.id)}
             order by last_updated_date desc, last_updated_time desc) as version_rank
      from ${s(schema, spec.fact)} x) v
   where version_rank = 1 and not is_deleted`;
}

/**
 * Every cut of a star in one pass, per day and currency: grouping sets over the current facts,
 * by key (labels are small and read apart). A row's `cut` is the index of its cut in the spec,
 * or -1 for the day-and-currency totals; `day` is `YYYYMMDD` as a number.
 */
export function rollupSql(schema: string, spec: StarSpec): string {
  const keys = spec.cuts.map((c, i) => `cast(${c.key} as varchar) as k${i}`);
  const which = spec.cuts.map((_, i) => `when grouping(k${i}) = 0 then ${i}`).join(" ");
  const key = spec.cuts.map((_, i) => `k${i}`).join(", ");
  const sets = ["(day, currency_id)", ...spec.cuts.map((_, i) => `(day, currency_id, k${i})`)];
  return `select day, currency_id, case ${which} else -1 end as cut, coalesce(${key}) as cut_key,
         count(*) as facts, sum(quantity) as quantity, sum(cents) as cents
    from (select cast(to_char(${spec.day}, 'YYYYMMDD') as int) as day, f.currency_id,
                 ${spec.quantity} as quantity, cast(${spec.cents} as bigint) as cents,
                 ${keys.join(", ")}
            from (${currentFactsSql(schema, spec)}) f) facts
   group by grouping sets (${sets.join(", ")})`;
}

/** A cut's labels by key. */
export function labelsSql(schema: string, cut: Cut): string {
  const l = cut.labels;
  if (!l) throw new Error(`the cut ${cut.name} is labelled by its key`);
  return `select cast(${quoteIdent(l.key)} as varchar) as k, ${l.label} as label from ${s(schema, l.table)}`;
}

/** Currency codes by id. */
export function currenciesSql(schema: string): string {
  return `select currency_id, currency_code from ${s(schema, "dim_currency")}`;
}

/** The load ledger's state: changes whenever a run or a landed file is loaded. */
export function ledgerVersionSql(control: string): string {
  return `select (select count(*) from ${s(control, "load_runs")}) as runs,
                 (select cast(max(coalesce(finished_at, started_at)) as varchar) from ${s(control, "load_runs")}) as last_run,
                 (select count(*) from ${s(control, "loaded_files")}) as files,
                 (select cast(max(loaded_at) as varchar) from ${s(control, "loaded_files")}) as last_file`;
}

/** The newest runs the ledger holds, newest first. */
export function recentRunsSql(control: string): string {
  return `select run_id, target, status, extract(epoch from started_at) as started_epoch,
                 extract(epoch from finished_at) as finished_epoch, files, ${quoteIdent("rows")} as rows_read,
                 inserted, updated
            from ${s(control, "load_runs")}
           order by started_at desc, run_id desc
           limit :limit`;
}

/** Rows per table of the newest runs. */
export function tablesOfRunsSql(control: string): string {
  return `select t.run_id, t.table_name, t.files, t.${quoteIdent("rows")} as rows_read, t.inserted, t.updated
            from ${s(control, "loaded_tables")} t
            join (select run_id from ${s(control, "load_runs")} order by started_at desc, run_id desc limit :limit) r
              on r.run_id = t.run_id
           order by t.run_id, t.table_name`;
}

/** Landed files loaded by rule, per table. */
export function landedFilesSql(control: string): string {
  return `select table_name, count(*) as files, sum(${quoteIdent("rows")}) as rows_read,
                 extract(epoch from max(loaded_at)) as last_loaded_epoch
            from ${s(control, "loaded_files")}
           where run_id not in (select run_id from ${s(control, "load_runs")})
           group by table_name order by table_name`;
}

/**
 * How old the source changes a run carried were when the run committed: a fact version whose
 * `last_updated` falls after the previous run's ingest and at or before this run's was read by
 * this run. One pass: a `case` assigns each version to its run by the runs' ingest times (bound
 * as parameters `:t0` ... `:tN`, oldest first).
 */
export function changeWindowsSql(schema: string, fact: string, bounds: number): string {
  const ts = "(f.last_updated_date + f.last_updated_time)";
  const arms = Array.from(
    { length: bounds },
    (_, i) => `when ${ts} <= cast(:t${i} as timestamp) then ${i}`,
  ).join(" ");
  return `select run_index, count(*) as versions,
                 extract(epoch from min(changed_at)) as oldest_epoch,
                 extract(epoch from max(changed_at)) as newest_epoch
            from (select case ${arms} end as run_index, ${ts} as changed_at
                    from ${s(schema, fact)} f
                   where ${ts} > cast(:since as timestamp)) v
           where run_index is not null
           group by run_index`;
}

/** Rows in each fact table: whether a star is loaded at all. */
export function factCountsSql(schema: string): string {
  return `select ${["fact_sales_order", "fact_purchase_order", "fact_payment"]
    .map((t) => `(select count(*) from ${s(schema, t)}) as ${quoteIdent(t)}`)
    .join(", ")}`;
}
