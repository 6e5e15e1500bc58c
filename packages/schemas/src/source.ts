import { z } from "zod";
import { isCalendarDate } from "./calendar";
import type { SourceTable } from "./tables";

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DECIMAL = /^-?\d+(?:\.\d+)?$/;

/**
 * Brings a `timestamp without time zone` as totesys exports it (`T` or a space between date and
 * time, no fraction or up to six fraction digits, as PostgreSQL trims trailing zeros) to one
 * canonical text, `YYYY-MM-DD HH:MM:SS.ffffff`, or returns undefined when it is not one.
 * Canonical strings of the same width compare exactly, to the microsecond, as plain strings;
 * a JS `Date` would lose the microseconds.
 *
 * @example
 * normaliseTimestamp("2022-11-03T14:20:49.962") // "2022-11-03 14:20:49.962000"
 */
export function normaliseTimestamp(text: string): string | undefined {
  const m = TIMESTAMP.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, fraction = ""] = m;
  if (!isCalendarDate(Number(y), Number(mo), Number(d))) return undefined;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return undefined;
  return `${y}-${mo}-${d} ${h}:${mi}:${s}.${fraction.padEnd(6, "0")}`;
}

/** A `timestamp without time zone`, parsed to `YYYY-MM-DD HH:MM:SS.ffffff`. */
export const SourceTimestampSchema = z.string().transform((text, ctx) => {
  const canonical = normaliseTimestamp(text);
  if (canonical === undefined) {
    ctx.addIssue({
      code: "custom",
      message: `expected a timestamp like 2022-11-03 14:20:49.962, got ${JSON.stringify(text.slice(0, 40))}`,
    });
    return z.NEVER;
  }
  return canonical;
});

/** A `varchar` holding a calendar date `YYYY-MM-DD` (agreed dates, `payment_date`). */
export const SourceDateSchema = z.string().refine(
  (text) => {
    const m = DATE.exec(text);
    return m !== null && isCalendarDate(Number(m[1]), Number(m[2]), Number(m[3]));
  },
  { message: "expected a calendar date YYYY-MM-DD" },
);

/**
 * A `numeric`, as a string (what PostgreSQL drivers return, exact) or a JSON number; parsed to a
 * plain decimal string such as `"3.5"`, never to a float. The formatters bring it to the
 * warehouse column's scale. Numbers JavaScript would print in exponent form are refused rather
 * than guessed at.
 */
export const SourceNumericSchema = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const text = typeof value === "number" ? String(value) : value.trim();
  if (!DECIMAL.test(text)) {
    ctx.addIssue({
      code: "custom",
      message: `expected a decimal number, got ${JSON.stringify(String(value).slice(0, 40))}`,
    });
    return z.NEVER;
  }
  return text;
});

const id = z.number().int().positive();
const int = z.number().int();
const text = z.string();
const nullableText = z.string().nullable();

/*
 * Objects are strict: a column the schema does not know is an error, not silently dropped, so a
 * changed export shape or a wrong table is caught at the first row (see the package README).
 */

export const AddressSchema = z.strictObject({
  address_id: id,
  address_line_1: text,
  address_line_2: nullableText,
  district: nullableText,
  city: text,
  postal_code: text,
  country: text,
  phone: text,
  created_at: SourceTimestampSchema,
  last_updated: SourceTimestampSchema,
});
export type Address = z.infer<typeof AddressSchema>;

export const CounterpartySchema = z.strictObject({
  counterparty_id: id,
  counterparty_legal_name: text,
  legal_address_id: id,
  commercial_contact: nullableText,
  delivery_contact: nullableText,
  created_at: SourceTimestampSchema,
  last_updated: SourceTimestampSchema,
});
export type Counterparty = z.infer<typeof CounterpartySchema>;

export const CurrencySchema = z.strictObject({
  currency_id: id,
  currency_code: z.string().regex(/^[A-Z]{3}$/, "expected a three-letter upper-case currency code"),
  created_at: SourceTimestampSchema,
  last_updated: SourceTimestampSchema,
});
export type Currency = z.infer<typeof CurrencySchema>;

export const DepartmentSchema = z.strictObject({
  department_id: id,
  department_name: text,
  location: nullableText,
  manager: nullableText,
  created_at: SourceTimestampSchema,
  last_updated: SourceTimestampSchema,
});
export type Department = z.infer<typeof DepartmentSchema>;

export const DesignSchema = z.strictObject({
  design_id: id,
  created_at: SourceTimestampSchema,
  design_name: text,
  file_location: text,
  file_name: text,
  last_updated: SourceTimestampSchema,
});
export type Design = z.infer<typeof DesignSchema>;

export const StaffSchema = z.strictObject({
  staff_id: id,
  first_name: text,
  last_name: text,
  department_id: id,
  email_address: text,
  created_at: SourceTimestampSchema,
  last_updated: SourceTimestampSchema,
});
export type Staff = z.infer<typeof StaffSchema>;

export const SalesOrderSchema = z.strictObject({
  sales_order_id: id,
  created_at: SourceTimestampSchema,
  last_updated: SourceTimestampSchema,
  design_id: id,
  staff_id: id,
  counterparty_id: id,
  units_sold: int,
  unit_price: SourceNumericSchema,
  currency_id: id,
  agreed_delivery_date: SourceDateSchema,
  agreed_payment_date: SourceDateSchema,
  agreed_delivery_location_id: id,
});
export type SalesOrder = z.infer<typeof SalesOrderSchema>;

export const PurchaseOrderSchema = z.strictObject({
  purchase_order_id: id,
  created_at: SourceTimestampSchema,
  last_updated: SourceTimestampSchema,
  staff_id: id,
  counterparty_id: id,
  item_code: text,
  item_quantity: int,
  item_unit_price: SourceNumericSchema,
  currency_id: id,
  agreed_delivery_date: SourceDateSchema,
  agreed_payment_date: SourceDateSchema,
  agreed_delivery_location_id: id,
});
export type PurchaseOrder = z.infer<typeof PurchaseOrderSchema>;

export const PaymentTypeSchema = z.strictObject({
  payment_type_id: id,
  payment_type_name: text,
  created_at: SourceTimestampSchema,
  last_updated: SourceTimestampSchema,
});
export type PaymentType = z.infer<typeof PaymentTypeSchema>;

export const TransactionSchema = z.strictObject({
  transaction_id: id,
  transaction_type: z.enum(["SALE", "PURCHASE"]),
  sales_order_id: id.nullable(),
  purchase_order_id: id.nullable(),
  created_at: SourceTimestampSchema,
  last_updated: SourceTimestampSchema,
});
export type Transaction = z.infer<typeof TransactionSchema>;

export const PaymentSchema = z.strictObject({
  payment_id: id,
  created_at: SourceTimestampSchema,
  last_updated: SourceTimestampSchema,
  transaction_id: id,
  counterparty_id: id,
  payment_amount: SourceNumericSchema,
  currency_id: id,
  payment_type_id: id,
  paid: z.boolean(),
  payment_date: SourceDateSchema,
  company_ac_number: int,
  counterparty_ac_number: int,
});
export type Payment = z.infer<typeof PaymentSchema>;

/** The schema of each totesys table, by table name. */
export const SOURCE_SCHEMAS = {
  address: AddressSchema,
  counterparty: CounterpartySchema,
  currency: CurrencySchema,
  department: DepartmentSchema,
  design: DesignSchema,
  staff: StaffSchema,
  sales_order: SalesOrderSchema,
  purchase_order: PurchaseOrderSchema,
  payment_type: PaymentTypeSchema,
  transaction: TransactionSchema,
  payment: PaymentSchema,
} as const satisfies Record<SourceTable, z.ZodType>;

/** A parsed row of a totesys table. */
export type SourceRow<T extends SourceTable> = z.infer<(typeof SOURCE_SCHEMAS)[T]>;
/** A row of a totesys table as an export may hold it, before parsing. */
export type SourceRowInput<T extends SourceTable> = z.input<(typeof SOURCE_SCHEMAS)[T]>;

/** The columns of each totesys table in their real order (the order of the schema). */
export function sourceColumns(table: SourceTable): readonly string[] {
  return Object.keys(SOURCE_SCHEMAS[table].shape);
}
