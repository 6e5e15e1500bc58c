import { SOURCE_TABLES, type SourceTable } from "@etl/schemas";
import { qualified, quoteIdent } from "../sql";

interface OltpColumn {
  name: string;
  type: string;
  nullable: boolean;
  references?: SourceTable;
}

const c = (name: string, type: string, nullable = false, references?: SourceTable): OltpColumn =>
  references ? { name, type, nullable, references } : { name, type, nullable };
const created = c("created_at", "timestamp");
const updated = c("last_updated", "timestamp");
const ref = (name: string, table: SourceTable, nullable = false) => c(name, "integer", nullable, table);

/**
 * The totesys tables as the real database has them, in the real column order (MODEL.md): serial
 * integer ids, `varchar` text, `timestamp without time zone` (full microsecond precision, so
 * changes stamped by the database clock keep all six digits), `varchar` agreed dates and
 * `payment_date`, `numeric(10,2)` `unit_price`, unconstrained `numeric` elsewhere.
 */
export const OLTP_TABLES: Record<SourceTable, readonly OltpColumn[]> = {
  address: [
    c("address_id", "serial"),
    c("address_line_1", "varchar"),
    c("address_line_2", "varchar", true),
    c("district", "varchar", true),
    c("city", "varchar"),
    c("postal_code", "varchar"),
    c("country", "varchar"),
    c("phone", "varchar"),
    created,
    updated,
  ],
  counterparty: [
    c("counterparty_id", "serial"),
    c("counterparty_legal_name", "varchar"),
    ref("legal_address_id", "address"),
    c("commercial_contact", "varchar", true),
    c("delivery_contact", "varchar", true),
    created,
    updated,
  ],
  currency: [c("currency_id", "serial"), c("currency_code", "varchar(3)"), created, updated],
  department: [
    c("department_id", "serial"),
    c("department_name", "varchar"),
    c("location", "varchar", true),
    c("manager", "varchar", true),
    created,
    updated,
  ],
  design: [
    c("design_id", "serial"),
    created,
    c("design_name", "varchar"),
    c("file_location", "varchar"),
    c("file_name", "varchar"),
    updated,
  ],
  staff: [
    c("staff_id", "serial"),
    c("first_name", "varchar"),
    c("last_name", "varchar"),
    ref("department_id", "department"),
    c("email_address", "varchar"),
    created,
    updated,
  ],
  sales_order: [
    c("sales_order_id", "serial"),
    created,
    updated,
    ref("design_id", "design"),
    ref("staff_id", "staff"),
    ref("counterparty_id", "counterparty"),
    c("units_sold", "integer"),
    c("unit_price", "numeric(10,2)"),
    ref("currency_id", "currency"),
    c("agreed_delivery_date", "varchar"),
    c("agreed_payment_date", "varchar"),
    ref("agreed_delivery_location_id", "address"),
  ],
  purchase_order: [
    c("purchase_order_id", "serial"),
    created,
    updated,
    ref("staff_id", "staff"),
    ref("counterparty_id", "counterparty"),
    c("item_code", "varchar"),
    c("item_quantity", "integer"),
    c("item_unit_price", "numeric"),
    ref("currency_id", "currency"),
    c("agreed_delivery_date", "varchar"),
    c("agreed_payment_date", "varchar"),
    ref("agreed_delivery_location_id", "address"),
  ],
  payment_type: [c("payment_type_id", "serial"), c("payment_type_name", "varchar"), created, updated],
  transaction: [
    c("transaction_id", "serial"),
    c("transaction_type", "varchar"),
    ref("sales_order_id", "sales_order", true),
    ref("purchase_order_id", "purchase_order", true),
    created,
    updated,
  ],
  payment: [
    c("payment_id", "serial"),
    created,
    updated,
    ref("transaction_id", "transaction"),
    ref("counterparty_id", "counterparty"),
    c("payment_amount", "numeric"),
    ref("currency_id", "currency"),
    ref("payment_type_id", "payment_type"),
    c("paid", "boolean"),
    c("payment_date", "varchar"),
    c("company_ac_number", "integer"),
    c("counterparty_ac_number", "integer"),
  ],
};

/** The OLTP tables in an order where every table comes after the tables it references. */
export const OLTP_TABLE_NAMES = Object.keys(OLTP_TABLES) as SourceTable[];

function primaryKey(table: SourceTable): string {
  return `constraint ${quoteIdent(`${table}_pkey`)} primary key (${quoteIdent(SOURCE_TABLES[table])})`;
}

function createTable(schema: string, table: SourceTable, withPrimaryKey: boolean): string {
  const lines = OLTP_TABLES[table].map((col) => {
    const fallback =
      col.name === "created_at" || col.name === "last_updated" ? " default current_timestamp" : "";
    return `${quoteIdent(col.name)} ${col.type}${col.nullable ? "" : " not null"}${fallback}`;
  });
  if (withPrimaryKey) lines.push(primaryKey(table));
  return `create table if not exists ${qualified(schema, table)} (\n  ${lines.join(",\n  ")}\n)`;
}

/** Prisma's bookkeeping table, present in the real database and never ingested. */
function prismaMigrations(schema: string): string {
  return `create table if not exists ${qualified(schema, "_prisma_migrations")} (
  "id" varchar(36) not null,
  "checksum" varchar(64) not null,
  "finished_at" timestamptz,
  "migration_name" varchar(255) not null,
  "logs" text,
  "rolled_back_at" timestamptz,
  "started_at" timestamptz not null default now(),
  "applied_steps_count" integer not null default 0,
  constraint "_prisma_migrations_pkey" primary key ("id")
)`;
}

/**
 * The totesys tables with their primary keys, and `_prisma_migrations`, without foreign keys or
 * secondary indexes (`oltpIndexDdl` adds them). Idempotent. A bulk load passes
 * `{ primaryKeys: false }` and adds them after the load with `oltpPrimaryKey`: building an
 * index once by sorting is far cheaper than growing it row by row.
 */
export function oltpTableDdl(schema = "public", options: { primaryKeys?: boolean } = {}): string[] {
  const withPrimaryKeys = options.primaryKeys ?? true;
  // `public` always exists, and creating it, even "if not exists", needs a privilege an
  // application role may lack.
  return [
    ...(schema === "public" ? [] : [`create schema if not exists ${quoteIdent(schema)}`]),
    ...OLTP_TABLE_NAMES.map((t) => createTable(schema, t, withPrimaryKeys)),
    prismaMigrations(schema),
  ];
}

/** Adds the primary key to a totesys table created without it (not idempotent). */
export function oltpPrimaryKey(schema: string, table: SourceTable): string {
  return `alter table ${qualified(schema, table)} add ${primaryKey(table)}`;
}

/**
 * An index on `(last_updated, <id>)` for the incremental ingest, which reads
 * `last_updated > watermark order by last_updated, <id>`. Idempotent.
 */
export function oltpLastUpdatedIndex(schema: string, table: SourceTable): string {
  return `create index if not exists ${quoteIdent(`${table}_last_updated_idx`)} on ${qualified(schema, table)} (${quoteIdent("last_updated")}, ${quoteIdent(SOURCE_TABLES[table])})`;
}

const foreignKeyName = (table: SourceTable, column: string) => quoteIdent(`${table}_${column}_fkey`);

/**
 * The foreign keys of a totesys table as the real database has them, or undefined for a table
 * that references nothing. Idempotent: each key is dropped and added again in one statement,
 * validated in one pass over the table (far cheaper than checking row by row during a bulk
 * load). With `{ validate: false }` they are added `not valid` (instantly, enforced for new rows)
 * and `oltpValidateForeignKeys` checks the existing rows later: validation locks the referenced
 * tables only lightly, so several tables can be validated at once.
 */
export function oltpForeignKeys(
  schema: string,
  table: SourceTable,
  options: { validate?: boolean } = {},
): string | undefined {
  const suffix = options.validate === false ? " not valid" : "";
  const actions = OLTP_TABLES[table].flatMap((col) => {
    if (!col.references) return [];
    const name = foreignKeyName(table, col.name);
    return [
      `drop constraint if exists ${name}`,
      `add constraint ${name} foreign key (${quoteIdent(col.name)}) references ${qualified(schema, col.references)} (${quoteIdent(SOURCE_TABLES[col.references])})${suffix}`,
    ];
  });
  return actions.length > 0 ? `alter table ${qualified(schema, table)} ${actions.join(", ")}` : undefined;
}

/** Checks the existing rows against the foreign keys added `not valid`, one statement per key. */
export function oltpValidateForeignKeys(schema: string, table: SourceTable): string[] {
  return OLTP_TABLES[table].flatMap((col) =>
    col.references
      ? [`alter table ${qualified(schema, table)} validate constraint ${foreignKeyName(table, col.name)}`]
      : [],
  );
}

/** The `last_updated` indexes, then the foreign keys, of every totesys table. Idempotent. */
export function oltpIndexDdl(schema = "public"): string[] {
  const indexes = OLTP_TABLE_NAMES.map((t) => oltpLastUpdatedIndex(schema, t));
  const keys = OLTP_TABLE_NAMES.flatMap((t) => oltpForeignKeys(schema, t) ?? []);
  return [...indexes, ...keys];
}

/** The whole local totesys: tables, indexes, foreign keys. Idempotent. */
export function oltpDdl(schema = "public"): string[] {
  return [...oltpTableDdl(schema), ...oltpIndexDdl(schema)];
}
