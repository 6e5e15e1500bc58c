import { z } from "zod";
import { isCalendarDate } from "./calendar";
import { columnSpec } from "./star-columns";
import type { StarTable } from "./tables";

/** A warehouse `date`: `YYYY-MM-DD`, a real calendar day. */
export const StarDateSchema = z.string().refine(
  (text) => {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
    return m !== null && isCalendarDate(Number(m[1]), Number(m[2]), Number(m[3]));
  },
  { message: "expected a calendar date YYYY-MM-DD" },
);

/** A warehouse `time`, travelling as text with the source's full fraction: `HH:MM:SS.ffffff`. */
export const StarTimeSchema = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{6}$/, "expected a time HH:MM:SS.ffffff");

/**
 * A warehouse `timestamp` (without time zone), travelling as text in the canonical form the
 * formatters write: `YYYY-MM-DD HH:MM:SS.ffffff`.
 */
export const StarTimestampSchema = z
  .string()
  .regex(
    /^\d{4}-\d{2}-\d{2} ([01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{6}$/,
    "expected a timestamp YYYY-MM-DD HH:MM:SS.ffffff",
  )
  .refine((text) => StarDateSchema.safeParse(text.slice(0, 10)).success, {
    message: "expected a calendar date in the timestamp",
  });

/** `source_updated_at`: nullable in the warehouse (added to existing tables), always filled by the transform. */
const sourceUpdatedAt = StarTimestampSchema.nullable();

/** A `decimal` column's value: a string with exactly the column's scale that fits its precision. */
function decimalOf(table: StarTable, column: string) {
  const { precision = 18, scale = 0 } = columnSpec(table, column);
  const integerDigits = precision - scale;
  const fraction = scale > 0 ? `\\.\\d{${scale}}` : "";
  return z
    .string()
    .regex(
      new RegExp(`^-?(0|[1-9]\\d{0,${integerDigits - 1}})${fraction}$`),
      `expected a decimal(${precision},${scale}) as a string with ${scale} decimals`,
    );
}

const int = z.number().int().min(-2147483648).max(2147483647);
const id = int.positive();
const text = z.string();

/** English day names in ISO order (Monday is day 1), whatever the process locale. */
export const DAY_NAMES = [
  "Monday",
  "Tuesday",
  "Wednesday",
  "Thursday",
  "Friday",
  "Saturday",
  "Sunday",
] as const;
/** English month names, January first. */
export const MONTH_NAMES = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
] as const;

export const DimDateSchema = z.strictObject({
  date_id: StarDateSchema,
  year: int,
  month: int.min(1).max(12),
  day: int.min(1).max(31),
  /** ISO: Monday 1 .. Sunday 7. */
  day_of_week: int.min(1).max(7),
  day_name: z.enum(DAY_NAMES),
  month_name: z.enum(MONTH_NAMES),
  quarter: int.min(1).max(4),
});
export type DimDate = z.infer<typeof DimDateSchema>;

export const DimLocationSchema = z.strictObject({
  location_id: id,
  address_line_1: text,
  address_line_2: text.nullable(),
  district: text.nullable(),
  city: text,
  postal_code: text,
  country: text,
  phone: text,
  source_updated_at: sourceUpdatedAt,
});
export type DimLocation = z.infer<typeof DimLocationSchema>;

export const DimCurrencySchema = z.strictObject({
  currency_id: id,
  currency_code: z.string().regex(/^[A-Z]{3}$/),
  currency_name: z.string().min(1),
  source_updated_at: sourceUpdatedAt,
});
export type DimCurrency = z.infer<typeof DimCurrencySchema>;

export const DimDesignSchema = z.strictObject({
  design_id: id,
  design_name: text,
  file_location: text,
  file_name: text,
  source_updated_at: sourceUpdatedAt,
});
export type DimDesign = z.infer<typeof DimDesignSchema>;

export const DimStaffSchema = z.strictObject({
  staff_id: id,
  first_name: text,
  last_name: text,
  department_name: text,
  location: text.nullable(),
  email_address: text,
  source_updated_at: sourceUpdatedAt,
});
export type DimStaff = z.infer<typeof DimStaffSchema>;

export const DimCounterpartySchema = z.strictObject({
  counterparty_id: id,
  counterparty_legal_name: text,
  counterparty_legal_address_line_1: text,
  counterparty_legal_address_line_2: text.nullable(),
  counterparty_legal_district: text.nullable(),
  counterparty_legal_city: text,
  counterparty_legal_postal_code: text,
  counterparty_legal_country: text,
  counterparty_legal_phone_number: text,
  source_updated_at: sourceUpdatedAt,
});
export type DimCounterparty = z.infer<typeof DimCounterpartySchema>;

export const DimPaymentTypeSchema = z.strictObject({
  payment_type_id: id,
  payment_type_name: text,
  source_updated_at: sourceUpdatedAt,
});
export type DimPaymentType = z.infer<typeof DimPaymentTypeSchema>;

export const DimTransactionSchema = z.strictObject({
  transaction_id: id,
  transaction_type: z.enum(["SALE", "PURCHASE"]),
  sales_order_id: id.nullable(),
  purchase_order_id: id.nullable(),
  source_updated_at: sourceUpdatedAt,
});
export type DimTransaction = z.infer<typeof DimTransactionSchema>;

export const FactSalesOrderSchema = z.strictObject({
  sales_order_id: id,
  created_date: StarDateSchema,
  created_time: StarTimeSchema,
  last_updated_date: StarDateSchema,
  last_updated_time: StarTimeSchema,
  sales_staff_id: id,
  counterparty_id: id,
  units_sold: int,
  unit_price: decimalOf("fact_sales_order", "unit_price"),
  currency_id: id,
  design_id: id,
  agreed_payment_date: StarDateSchema,
  agreed_delivery_date: StarDateSchema,
  agreed_delivery_location_id: id,
});
export type FactSalesOrder = z.infer<typeof FactSalesOrderSchema>;

export const FactPurchaseOrderSchema = z.strictObject({
  purchase_order_id: id,
  created_date: StarDateSchema,
  created_time: StarTimeSchema,
  last_updated_date: StarDateSchema,
  last_updated_time: StarTimeSchema,
  staff_id: id,
  counterparty_id: id,
  item_code: text,
  item_quantity: int,
  item_unit_price: decimalOf("fact_purchase_order", "item_unit_price"),
  currency_id: id,
  agreed_delivery_date: StarDateSchema,
  agreed_payment_date: StarDateSchema,
  agreed_delivery_location_id: id,
});
export type FactPurchaseOrder = z.infer<typeof FactPurchaseOrderSchema>;

export const FactPaymentSchema = z.strictObject({
  payment_id: id,
  created_date: StarDateSchema,
  created_time: StarTimeSchema,
  last_updated_date: StarDateSchema,
  last_updated_time: StarTimeSchema,
  transaction_id: id,
  counterparty_id: id,
  payment_amount: decimalOf("fact_payment", "payment_amount"),
  currency_id: id,
  payment_type_id: id,
  paid: z.boolean(),
  payment_date: StarDateSchema,
});
export type FactPayment = z.infer<typeof FactPaymentSchema>;

/** The row schema of each warehouse table; its keys are `STAR_COLUMNS` in the same order. */
export const STAR_SCHEMAS = {
  dim_date: DimDateSchema,
  dim_location: DimLocationSchema,
  dim_currency: DimCurrencySchema,
  dim_design: DimDesignSchema,
  dim_staff: DimStaffSchema,
  dim_counterparty: DimCounterpartySchema,
  dim_payment_type: DimPaymentTypeSchema,
  dim_transaction: DimTransactionSchema,
  fact_sales_order: FactSalesOrderSchema,
  fact_purchase_order: FactPurchaseOrderSchema,
  fact_payment: FactPaymentSchema,
} as const satisfies Record<StarTable, z.ZodType>;

/** A row of a warehouse table, keyed by the warehouse column names. */
export type StarRow<T extends StarTable> = z.infer<(typeof STAR_SCHEMAS)[T]>;
