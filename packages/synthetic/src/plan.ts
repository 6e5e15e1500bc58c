import { epochDayOf, isWeekday, MS_PER_DAY, MS_PER_HOUR } from "./clock";
import { hash2 } from "./random";
import { CURRENCY_CODES, DEPARTMENTS, PAYMENT_TYPES } from "./reference-data";

/** Scale bounds of the generator: `scale` is the number of sales orders. */
export const MIN_SCALE = 100;
export const MAX_SCALE = 10_000_000;

/** Purchase orders per sales order (4,600 to 11,000 in the real data). */
export const PURCHASE_RATIO = 0.42;

/** Inserts happen on weekdays from 08:00 to 19:00. */
const OFFICE_START_MS = 8 * MS_PER_HOUR;
const OFFICE_MS = 11 * MS_PER_HOUR;
/** The first minutes of the first day belong to the reference data. */
const RESERVED_MS = 10 * 60_000;

export interface SeedSizes {
  address: number;
  counterparty: number;
  /** Distinct legal addresses among the counterparties (14 of 30 in the real data). */
  legalAddresses: number;
  currency: number;
  department: number;
  design: number;
  staff: number;
  payment_type: number;
  sales_order: number;
  purchase_order: number;
  transaction: number;
  payment: number;
}

export interface SeedPlan {
  seed: number;
  scale: number;
  sizes: SeedSizes;
  /** 08:00 on the first day, when the reference data was created. */
  startMs: number;
  /** No seeded timestamp lies after this instant: the generated history ends here. */
  endMs: number;
  /** The weekdays of the history, as epoch days. */
  weekdays: Int32Array;
  /** Orders (sales and purchase) on the time line, in id order of `transaction`. */
  events: number;
}

/**
 * The shape of a seeded totesys: table sizes from the real data (design grows modestly with the
 * scale, about 500 at the real 11,000 sales orders) and the history's dates. The history starts
 * on 2022-11-03, as totesys does, and ends on a date derived from the seed, in the past of any
 * run (at most 2025-10-31): generated rows never pass a database clock, so changes stamped with
 * `now()` always sort after them.
 */
export function createPlan(seed: number, scale: number): SeedPlan {
  if (!Number.isInteger(scale) || scale < MIN_SCALE || scale > MAX_SCALE) {
    throw new RangeError(`scale must be an integer from ${MIN_SCALE} to ${MAX_SCALE}, got ${scale}`);
  }
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new RangeError(`seed must be an integer from 0 to ${0xffffffff}, got ${seed}`);
  }
  const purchases = Math.max(1, Math.round(scale * PURCHASE_RATIO));
  const design = Math.max(50, Math.min(5000, Math.round(500 * (scale / 11_000) ** 0.3)));
  const firstDay = epochDayOf("2022-11-03");
  const lastDay = epochDayOf("2025-10-31") - (hash2(seed, 0x5eed) % 60);
  const days: number[] = [];
  for (let d = firstDay; d <= lastDay; d++) if (isWeekday(d)) days.push(d);
  const events = scale + purchases;
  return {
    seed,
    scale,
    sizes: {
      address: 30,
      counterparty: 20,
      legalAddresses: 14,
      currency: CURRENCY_CODES.length,
      department: DEPARTMENTS.length,
      design,
      staff: 20,
      payment_type: PAYMENT_TYPES.length,
      sales_order: scale,
      purchase_order: purchases,
      transaction: events,
      payment: events,
    },
    startMs: firstDay * MS_PER_DAY + OFFICE_START_MS,
    endMs: lastDay * MS_PER_DAY + OFFICE_START_MS + OFFICE_MS,
    weekdays: Int32Array.from(days),
    events,
  };
}

/** Milliseconds of office time in the history, after the reserved start. */
export function officeSpan(plan: SeedPlan): number {
  return plan.weekdays.length * OFFICE_MS - RESERVED_MS;
}

/** The instant `offset` ms of office time after the reserved start: a weekday, 08:00 to 19:00. */
export function officeInstant(plan: SeedPlan, offset: number): number {
  const at = RESERVED_MS + offset;
  const dayIndex = Math.min(plan.weekdays.length - 1, Math.floor(at / OFFICE_MS));
  const inDay = at - dayIndex * OFFICE_MS;
  return (plan.weekdays[dayIndex] ?? 0) * MS_PER_DAY + OFFICE_START_MS + Math.min(inDay, OFFICE_MS - 1);
}
