import { qualified, quoteIdent } from "@etl/db";

/** One way a star's facts are cut: the dimension's label, through an optional join. */
export interface Cut {
  /** The cut's name in the rollup (`counterparty`, `design`, ...). */
  name: string;
  /** The label's SQL, over the fact `f` and the join's alias `j`. */
  label: string;
  join?: { table: string; on: string };
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

export const SALES: StarSpec = {
  fact: "fact_sales_order",
  id: "sales_order_id",
  day: "f.created_date",
  quantity: "f.units_sold",
  cents: "f.units_sold * f.unit_price * 100",
  cuts: [
    {
      name: "counterparty",
      label: "j.counterparty_legal_name",
      join: { table: "dim_counterparty", on: "j.counterparty_id = f.counterparty_id" },
    },
    { name: "design", label: "j.design_name", join: { table: "dim_design", on: "j.design_id = f.design_id" } },
    {
      name: "location",
      label: "j.city || ', ' || j.country",
      join: { table: "dim_location", on: "j.location_id = f.agreed_delivery_location_id" },
    },
    {
      name: "staff",
      label: "j.first_name || ' ' || j.last_name",
      join: { table: "dim_staff", on: "j.staff_id = f.sales_staff_id" },
    },
  ],
};

export const PURCHASES: StarSpec = {
  fact: "fact_purchase_order",
  id: "purchase_order_id",
  day: "f.created_date",
  quantity: "f.item_quantity",
  cents: "f.item_quantity * f.item_unit_price * 100",
  cuts: [
    {
      name: "counterparty",
      label: "j.counterparty_legal_name",
      join: { table: "dim_counterparty", on: "j.counterparty_id = f.counterparty_id" },
    },
    { name: "item", label: "f.item_code" },
    {
      name: "location",
      label: "j.city || ', ' || j.country",
      join: { table: "dim_location", on: "j.location_id = f.agreed_delivery_location_id" },
    },
  ],
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
      label: "j.payment_type_name",
      join: { table: "dim_payment_type", on: "j.payment_type_id = f.payment_type_id" },
    },
    { name: "paid", label: "case when f.paid then 'paid' else 'not paid' end" },
    {
      name: "counterparty",
      label: "j.counterparty_legal_name",
      join: { table: "dim_counterparty", on: "j.counterparty_id = f.counterparty_id" },
    },
  ],
};

/**
 * The newest version of every fact: the warehouse keeps every version of a source row, and the
 * business figures count each order once, as it stands now. `row_number()` rather than
 * PostgreSQL's `distinct on`, so the same text runs on Redshift.
 */
export function currentFactsSql(schema: string, spec: StarSpec): string {
  return `select * from (
    select x.*, row_number() over (partition by ${quoteIdent(spec.id)}
             order by last_updated_date desc, last_updated_time desc) as version_rank
      from ${s(schema, spec.fact)} x) v
   where version_rank = 1`;
}

/**
 * Every cut of a star in one pass, per day and currency: grouping sets over the current facts.
 * Each row says which cut it belongs to through `cut_<name>` (0 when grouped by that cut), and
 * the rows of the day-and-currency set (every cut flag 1) carry the totals.
 */
export function rollupSql(schema: string, spec: StarSpec): string {
  const joins = spec.cuts
    .filter((c) => c.join)
    .map((c, i) => {
      const alias = `j${i}`;
      const on = (c.join?.on ?? "").replaceAll("j.", `${alias}.`);
      return { cut: c.name, sql: `left join ${s(schema, c.join?.table ?? "")} ${alias} on ${on}`, alias };
    });
  const label = (c: Cut) => {
    const alias = joins.find((j) => j.cut === c.name)?.alias;
    return alias ? c.label.replaceAll("j.", `${alias}.`) : c.label;
  };
  const labels = spec.cuts.map((c) => `${label(c)} as ${quoteIdent(`label_${c.name}`)}`);
  const sets = [
    "(day, currency)",
    ...spec.cuts.map((c) => `(day, currency, ${quoteIdent(`label_${c.name}`)})`),
  ];
  return `select day, currency,
         ${spec.cuts.map((c) => `${quoteIdent(`label_${c.name}`)}, grouping(${quoteIdent(`label_${c.name}`)}) as ${quoteIdent(`cut_${c.name}`)}`).join(",\n         ")},
         count(*) as facts, sum(quantity) as quantity, sum(cents) as cents
    from (select to_char(${spec.day}, 'YYYY-MM-DD') as day, cur.currency_code as currency,
                 ${spec.quantity} as quantity, cast(${spec.cents} as bigint) as cents,
                 ${labels.join(",\n                 ")}
            from (${currentFactsSql(schema, spec)}) f
            left join ${s(schema, "dim_currency")} cur on cur.currency_id = f.currency_id
            ${joins.map((j) => j.sql).join("\n            ")}) facts
   group by grouping sets (${sets.join(", ")})`;
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
