import { quoteIdent } from "@etl/db";
import {
  type ColumnSpec,
  DELETION_COLUMNS,
  hasDeletionColumns,
  isFactTable,
  type SourceTable,
  STAR_COLUMNS,
  STAR_KEYS,
  type StarTable,
  sourceColumns,
} from "@etl/schemas";

/**
 * The star schema computed straight from the OLTP database in SQL, independently of the
 * pipeline's formatters: what the warehouse must hold. A dimension's `source_updated_at` is its
 * source row's `last_updated`, or the greatest of its sources' (staff and department;
 * counterparty and its legal address). Facts keep every version the runs saw:
 * `versions` names the schemas holding the OLTP tables as each run saw them.
 *
 * Hard deletes: a key that an earlier version holds and the current one does not was deleted.
 * A dimension keeps its row as the last version that held the key saw it, with `is_deleted`
 * true and `deleted_at` and `source_updated_at` at the detection time; a fact gets one more
 * version, the last one's values with `last_updated` at the detection time, `is_deleted` true.
 * `deletedAt` is that time (a SQL `timestamp` expression; the ingest's snapshot time, which only
 * the run knows): every deletion of a scenario is expected in one run.
 */
export function expectedStarSql(table: StarTable, versions: string[], detectedAt?: string): string {
  // Without a detection time no deletion is expected: a key missing from the current version is
  // then one the scenario left out on purpose (rows held in quarantine), not a deleted one.
  const deletedAt = detectedAt ?? "null::timestamp";
  const current = versions[versions.length - 1] ?? "public";
  const t = (schema: string, name: string) => `${quoteIdent(schema)}.${quoteIdent(name)}`;
  // The contract's columns by name, not `*`: a copy taken after a column was added to the source
  // has one more, and the union must line up.
  const allVersions = (name: SourceTable) => {
    const columns = sourceColumns(name).map(quoteIdent).join(", ");
    return versions.map((v) => `select ${columns} from ${t(v, name)}`).join(" union ");
  };
  const dimension = (c: string): Partial<Record<StarTable, string>> => ({
    dim_location: `select address_id, address_line_1, address_line_2, district, city, postal_code, country, phone, last_updated from ${t(c, "address")}`,
    dim_currency: `select currency_id, currency_code,
        case currency_code when 'GBP' then 'Pound Sterling' when 'USD' then 'US Dollar' when 'EUR' then 'Euro' end,
        last_updated
      from ${t(c, "currency")}`,
    dim_design: `select design_id, design_name, file_location, file_name, last_updated from ${t(c, "design")}`,
    dim_staff: `select s.staff_id, s.first_name, s.last_name, d.department_name, d.location, s.email_address,
        greatest(s.last_updated, d.last_updated)
      from ${t(c, "staff")} s join ${t(c, "department")} d using (department_id)`,
    dim_counterparty: `select cp.counterparty_id, cp.counterparty_legal_name, a.address_line_1, a.address_line_2, a.district,
        a.city, a.postal_code, a.country, a.phone, greatest(cp.last_updated, a.last_updated)
      from ${t(c, "counterparty")} cp join ${t(c, "address")} a on a.address_id = cp.legal_address_id`,
    dim_payment_type: `select payment_type_id, payment_type_name, last_updated from ${t(c, "payment_type")}`,
    dim_transaction: `select transaction_id, transaction_type, sales_order_id, purchase_order_id, last_updated from ${t(c, "transaction")}`,
  });
  const c = current;
  const facts: Partial<Record<StarTable, string>> = {
    fact_sales_order: `select distinct sales_order_id, created_at::date, created_at::time, last_updated::date, last_updated::time,
        staff_id, counterparty_id, units_sold, unit_price, currency_id, design_id, agreed_payment_date::date,
        agreed_delivery_date::date, agreed_delivery_location_id
      from (${allVersions("sales_order")}) v`,
    fact_purchase_order: `select distinct purchase_order_id, created_at::date, created_at::time, last_updated::date,
        last_updated::time, staff_id, counterparty_id, item_code, item_quantity, item_unit_price, currency_id,
        agreed_delivery_date::date, agreed_payment_date::date, agreed_delivery_location_id
      from (${allVersions("purchase_order")}) v`,
    fact_payment: `select distinct payment_id, created_at::date, created_at::time, last_updated::date, last_updated::time,
        transaction_id, counterparty_id, payment_amount, currency_id, payment_type_id, paid, payment_date::date
      from (${allVersions("payment")}) v`,
  };
  const deletionDates = FACT_SOURCES.map(
    (source) => `union select ${deletedAt}::date where exists (${deletedKeysSql(source, versions)})`,
  ).join(" ");
  const dates: Partial<Record<StarTable, string>> = {
    dim_date: `select d, extract(year from d), extract(month from d), extract(day from d), extract(isodow from d),
        trim(to_char(d, 'Day')), trim(to_char(d, 'Month')), extract(quarter from d)
      from (
        select created_at::date as d from (${allVersions("sales_order")}) s
        union select last_updated::date from (${allVersions("sales_order")}) s
        union select agreed_payment_date::date from (${allVersions("sales_order")}) s
        union select agreed_delivery_date::date from (${allVersions("sales_order")}) s
        union select created_at::date from (${allVersions("purchase_order")}) p
        union select last_updated::date from (${allVersions("purchase_order")}) p
        union select agreed_payment_date::date from (${allVersions("purchase_order")}) p
        union select agreed_delivery_date::date from (${allVersions("purchase_order")}) p
        union select created_at::date from (${allVersions("payment")}) y
        union select last_updated::date from (${allVersions("payment")}) y
        union select payment_date::date from (${allVersions("payment")}) y
        ${deletionDates}
      ) dates where d is not null`,
  };
  const body = dimension(c)[table] ?? facts[table] ?? dates[table] ?? "";
  if (!hasDeletionColumns(table)) return normalised(table, `(${body})`);
  const key = STAR_KEYS[table][0] ?? "";
  const columns = STAR_COLUMNS[table];
  const aliases = columns.map((_, i) => `c${i}`);
  const kept = `select *, false, null::timestamp from (${body}) k`;
  if (detectedAt === undefined) return normalised(table, `(${kept})`);
  let deleted: string;
  if (isFactTable(table)) {
    // The last version of each deleted key, dated at the detection.
    const picked = columns.map((col, i) =>
      col.name === "last_updated_date"
        ? `${deletedAt}::date`
        : col.name === "last_updated_time"
          ? `${deletedAt}::time`
          : `l.${aliases[i]}`,
    );
    deleted = `select ${picked.join(", ")}, true, ${deletedAt} from (
        select distinct on (c0) * from (${body}) as v(${aliases.join(", ")})
        where c0 not in (select ${quoteIdent(key)} from ${t(c, SOURCE_OF[table] ?? "sales_order")})
        order by c0, c3 desc, c4 desc) l`;
  } else {
    // The row as the last version that held the key saw it; its recency is the detection's.
    const earlier = versions.slice(0, -1);
    const seen = earlier
      .map((v, n) => `select ${n} as "_n", * from (${dimension(v)[table]}) as v${n}(${aliases.join(", ")})`)
      .join(" union all ");
    const values = aliases.slice(0, -1).map((a) => `l.${a}`);
    // With one version only, nothing can have been deleted.
    if (earlier.length === 0) return normalised(table, `(${kept})`);
    deleted = `select ${values.join(", ")}, ${deletedAt}, true, ${deletedAt} from (
        select distinct on (c0) * from (${seen}) s
        where c0 not in (select c0 from (${dimension(c)[table]}) as now(${aliases.join(", ")}))
        order by c0, "_n" desc) l`;
  }
  return normalised(table, `(${kept} union all ${deleted})`);
}

const FACT_SOURCES = ["sales_order", "purchase_order", "payment"] as const;

const SOURCE_OF: Partial<Record<StarTable, SourceTable>> = {
  fact_sales_order: "sales_order",
  fact_purchase_order: "purchase_order",
  fact_payment: "payment",
};

/** Keys an earlier version of `source` holds and the current one does not: rows deleted since. */
function deletedKeysSql(source: SourceTable, versions: string[]): string {
  const current = versions[versions.length - 1] ?? "public";
  const key = quoteIdent(`${source}_id`);
  const t = (schema: string) => `${quoteIdent(schema)}.${quoteIdent(source)}`;
  const earlier = versions.slice(0, -1).map((v) => `select ${key} from ${t(v)}`);
  if (earlier.length === 0) return "select 1 where false";
  return `select ${key} from (${earlier.join(" union ")}) e where ${key} not in (select ${key} from ${t(current)})`;
}

/** The warehouse table's rows in the same normal form (with the deletion columns). */
export function warehouseSql(table: StarTable, schema: string): string {
  const columns = columnsOf(table)
    .map((c) => quoteIdent(c.name))
    .join(", ");
  return normalised(table, `(select ${columns} from ${quoteIdent(schema)}.${quoteIdent(table)})`);
}

function pgType(c: ColumnSpec): string {
  switch (c.type) {
    case "decimal":
      return `numeric(${c.precision ?? 38}, ${c.scale ?? 0})`;
    case "boolean":
      return "boolean";
    case "bigint":
      return "bigint";
    default:
      return c.type;
  }
}

/** The file columns, then the deletion columns where the table has them. */
function columnsOf(table: StarTable): readonly ColumnSpec[] {
  return hasDeletionColumns(table) ? [...STAR_COLUMNS[table], ...DELETION_COLUMNS] : STAR_COLUMNS[table];
}

/** Casts every column to the warehouse type and then to text, ordered by the table's key. */
function normalised(table: StarTable, source: string): string {
  const columns = columnsOf(table);
  const aliases = columns.map((_, i) => `c${i}`);
  const select = columns.map((c, i) => `(${aliases[i]})::${pgType(c)}::text`).join(", ");
  const keys = STAR_KEYS[table].map(
    (k) =>
      `(${aliases[columns.findIndex((c) => c.name === k)]})::${pgType(
        columns.find((c) => c.name === k) ?? { name: k, type: "text", nullable: false },
      )}`,
  );
  return `select ${select} from ${source} as src(${aliases.join(", ")}) order by ${keys.join(", ")}`;
}
