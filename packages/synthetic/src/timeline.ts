import { MS_PER_DAY } from "./clock";
import { officeInstant, officeSpan, type SeedPlan } from "./plan";
import { hash3, type Random } from "./random";
import { STREAM } from "./seed-table";

/**
 * The orders' time line. Event k (0-based) is the k-th order in time, sales and purchase orders
 * interleaved evenly, and also `transaction_id` k + 1 and `payment_id` k + 1. Its instant grows
 * with k, so ids follow time as in a real database, and falls on a weekday between 08:00 and 19:00.
 */
export class Timeline {
  readonly events: number;
  private readonly purchases: number;
  private readonly step: number;

  constructor(private readonly plan: SeedPlan) {
    this.events = plan.events;
    this.purchases = plan.sizes.purchase_order;
    this.step = officeSpan(plan) / plan.events;
  }

  /** Purchases among events 0 .. k-1. */
  purchasesBefore(k: number): number {
    return Math.floor((k * this.purchases) / this.events);
  }

  isPurchase(k: number): boolean {
    return this.purchasesBefore(k + 1) > this.purchasesBefore(k);
  }

  /** The instant of event k, in epoch ms. */
  instant(k: number): number {
    const jitter = hash3(this.plan.seed, STREAM.timeline, k) / 4294967296;
    return officeInstant(this.plan, Math.floor((k + jitter) * this.step));
  }

  /** Fraction of the history elapsed at event k, in [0, 1). */
  fraction(k: number): number {
    return k / this.events;
  }
}

/**
 * When designs appear: half exist from the start, the rest are created evenly through the
 * history, so an order only uses designs that exist at its instant.
 */
export function createDesignSchedule(plan: SeedPlan, timeline: Timeline) {
  const { startMs, sizes } = plan;
  const designsEarly = Math.ceil(sizes.design / 2);
  const designsLate = sizes.design - designsEarly;
  const span = officeSpan(plan);

  function createdMs(id: number): number {
    if (id <= designsEarly) return startMs + 5000 + id * 3;
    const m = id - designsEarly;
    return officeInstant(plan, Math.floor((m * span) / (designsLate + 1)));
  }

  /** Designs that exist at event k: the early half, plus the late ones created by then. */
  function at(k: number): number {
    return designsEarly + Math.min(designsLate, Math.floor((k * (designsLate + 1)) / timeline.events));
  }

  return { createdMs, at };
}

export type DesignSchedule = ReturnType<typeof createDesignSchedule>;

/** With probability `p`, a row is updated between a minute and 30 days after its creation (never after `endMs`). */
export function updatedMs(rng: Random, createdMs: number, p: number, endMs: number): number {
  if (!rng.chance(p)) return createdMs;
  return Math.min(endMs, createdMs + rng.int(60_000, 30 * MS_PER_DAY));
}
