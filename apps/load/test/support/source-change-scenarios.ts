import {
  datesOf,
  type RunId,
  STAR_TABLE_NAMES,
  type StarDeletion,
  toDimDate,
  toDimPaymentType,
  toDimStaff,
  toDimTransaction,
  toFactPayment,
} from "@etl/schemas";
import {
  makeAddress,
  makeDepartment,
  makePayment,
  makePaymentType,
  makeSalesOrder,
  makeStaff,
  makeTransaction,
} from "@etl/schemas/testing";
import { expect } from "vitest";
import { type PutRunOptions, type StarRows, starRowsOf } from "./processed-run";
import type { Snapshot } from "./warehouse-snapshot";

/**
 * The source-change scenarios of the end-to-end reliability tests (docs/schema-change.md,
 * docs/deletes.md, docs/quarantine.md) as the processed runs the transform writes for them, and
 * what a warehouse holds after loading them, read back the same way from either warehouse.
 */

export const RUN_1 = "20261123T141500123Z-00000001";
export const RUN_2 = "20261124T141500123Z-00000002";
export const RUN_3 = "20261125T141500123Z-00000003";
/** When a later run detected the same deletions again (its ingest had failed after detecting them). */
export const DELETED_AGAIN_AT = "2026-11-25 14:15:00.000000";
/** When the ingest detected the deletions (its snapshot's database time). */
export const DELETED_AT = "2026-11-24 14:15:00.123000";

export interface ScenarioRun {
  id: RunId;
  rows: StarRows;
  options: PutRunOptions;
  /** The load's outcome; "loaded" unless given. */
  expect?: "loaded" | "skipped";
}

export interface Scenario {
  name: string;
  runs: ScenarioRun[];
  /** The index of the run before which the warehouse is taken back to the previous release. */
  previousReleaseBefore?: number;
  /** What the scenario must leave in the star, beyond both warehouses agreeing. */
  check?: (snapshot: Snapshot) => void;
}

/** The first full load: the small totesys, with a payment (id 5) and its transaction. */
export function firstRun(): StarRows {
  const rows = starRowsOf();
  const payments = toFactPayment([makePayment({ payment_id: 5 })]);
  const dates = (rows.dim_date ?? []).map((d) => (d as { date_id: string }).date_id);
  return {
    ...rows,
    dim_date: toDimDate([...dates, ...datesOf("fact_payment", payments)]),
    dim_payment_type: toDimPaymentType([makePaymentType()]),
    dim_transaction: toDimTransaction([makeTransaction()]),
    fact_payment: payments,
  };
}

/** The first run with its counterparty held, and the orders and payment that reference it. */
function withoutCounterparty(): StarRows {
  const { dim_counterparty, fact_sales_order, fact_payment, ...rest } = firstRun();
  return rest;
}

/** A run in which order 3 changed (a fact-only run, with its dates). */
export function changedOrder(): StarRows {
  const rows = starRowsOf({ salesOrders: [makeSalesOrder({ sales_order_id: 3, units_sold: 10 })] });
  return { dim_date: rows.dim_date ?? [], fact_sales_order: rows.fact_sales_order ?? [] };
}

/** The detection date, which the transform puts in `dim_date` with a fact deletion. */
/** When deleted keys came back at the source. */
const AGAIN = "2026-11-25 09:00:00.000000";

const detectionDate = (at = DELETED_AT) => toDimDate([at.slice(0, 10)]);

const deletions: StarDeletion[] = [
  { table: "fact_sales_order", keys: [2], deletedAt: DELETED_AT },
  { table: "dim_staff", keys: [1], deletedAt: DELETED_AT },
  { table: "fact_payment", keys: [5], deletedAt: DELETED_AT },
];

const first = (options: PutRunOptions = {}): ScenarioRun => ({
  id: RUN_1,
  rows: firstRun(),
  options: { previousRunId: null, ...options },
});

/** Run 2 after run 1 in which order 3 changed. */
const orderChanged = (options: PutRunOptions = {}): ScenarioRun => ({
  id: RUN_2,
  rows: changedOrder(),
  options: { previousRunId: RUN_1, ...options },
});

const deleted = (snapshot: Snapshot, table: string) =>
  (snapshot.star[table] ?? []).filter((r) => r.is_deleted === true);

export const SCENARIOS: Scenario[] = [
  {
    // The transform ignores the declared column: the run's files are those of a source without it.
    name: "a column added at the source (sales_order.discount_rate): the changed order loads",
    // Tables in two files each: the COPY reads them through a manifest.
    runs: [first({ parts: { dim_location: 2, fact_sales_order: 2 } }), orderChanged()],
    check: (s) => expect(s.star.fact_sales_order?.map((r) => r.sales_order_id)).toEqual([1, 2, 3]),
  },
  {
    // The ingest refused the run before writing: the run after the fix follows run 1 directly.
    name: "a column dropped or retyped, then fixed: the run after the fix loads after run 1",
    runs: [first(), orderChanged()],
    check: (s) => expect(s.ledger.runs.map((r) => r.run_id)).toEqual([RUN_1, RUN_2]),
  },
  {
    // A new source table is reported, not ingested: nothing of it reaches the star.
    name: "a new source table: only the star tables change",
    runs: [first(), orderChanged()],
    check: (s) => expect(Object.keys(s.star)).toEqual([...STAR_TABLE_NAMES]),
  },
  {
    name: "a warehouse of the previous release: the additive columns are added, old rows read not deleted",
    runs: [
      first(),
      {
        id: RUN_2,
        rows: {
          ...starRowsOf({
            addresses: [
              makeAddress({ address_id: 1, city: "Bradford", last_updated: "2026-11-24 09:00:00.000000" }),
            ],
          }),
          fact_sales_order: changedOrder().fact_sales_order ?? [],
        },
        options: { previousRunId: RUN_1 },
      },
    ],
    previousReleaseBefore: 1,
    check: (s) => {
      expect(s.star.dim_location?.map((r) => [r.city, r.is_deleted])).toEqual([
        ["Bradford", false],
        ["Leeds", false],
      ]);
      expect(s.star.dim_location?.[1]?.source_updated_at).toBeNull();
    },
  },
  {
    name: "a run the previous release's transform wrote (dimensions without source_updated_at), loaded after the upgrade",
    runs: [first({ withoutSourceUpdatedAt: true }), orderChanged()],
    check: (s) => expect(s.star.dim_staff?.map((r) => r.source_updated_at)).toEqual([null]),
  },
  {
    name: "a deleted order, staff member and payment: deletion versions of the facts, the staff row flagged; declared again, nothing changes",
    runs: [
      first(),
      { id: RUN_2, rows: { dim_date: detectionDate() }, options: { previousRunId: RUN_1, deletions } },
      {
        id: RUN_3,
        rows: { dim_date: detectionDate(DELETED_AGAIN_AT) },
        options: {
          previousRunId: RUN_2,
          deletions: deletions.map((d) => ({ ...d, deletedAt: DELETED_AGAIN_AT })),
        },
      },
      { id: RUN_3, rows: {}, options: {}, expect: "skipped" },
    ],
    check: (s) => {
      expect(deleted(s, "fact_sales_order").map((r) => r.sales_order_id)).toEqual([2]);
      expect(deleted(s, "fact_payment").map((r) => r.payment_id)).toEqual([5]);
      expect(deleted(s, "dim_staff").map((r) => r.staff_id)).toEqual([1]);
    },
  },
  {
    name: "deleted orders in a run with a changed order: the changed order loads, both deletions apply",
    runs: [
      first(),
      orderChanged({ deletions: [{ table: "fact_sales_order", keys: [1, 2], deletedAt: DELETED_AT }] }),
    ],
    check: (s) => expect(deleted(s, "fact_sales_order").map((r) => r.sales_order_id)).toEqual([1, 2]),
  },
  {
    name: "a deleted staff member and order inserted again at the source: the newer versions are not deleted",
    runs: [
      first(),
      { id: RUN_2, rows: { dim_date: detectionDate() }, options: { previousRunId: RUN_1, deletions } },
      {
        id: RUN_3,
        rows: {
          ...starRowsOf({ salesOrders: [makeSalesOrder({ sales_order_id: 2, last_updated: AGAIN })] }),
          dim_staff: toDimStaff(
            [makeStaff({ first_name: "Again", last_updated: AGAIN })],
            [makeDepartment()],
          ),
        },
        options: { previousRunId: RUN_2 },
      },
    ],
    check: (s) => {
      expect(s.star.dim_staff?.map((r) => [r.first_name, r.is_deleted, r.deleted_at])).toEqual([
        ["Again", false, null],
      ]);
      expect(s.star.fact_sales_order?.filter((r) => r.sales_order_id === 2).map((r) => r.is_deleted)).toEqual(
        [false, true, false],
      );
    },
  },
  {
    name: "a bad row in a fact: the held order is not loaded, the rest of the run is",
    runs: [first(), orderChanged({ held: "sales_order" })],
    check: (s) => expect(s.star.fact_sales_order?.map((r) => r.sales_order_id)).toEqual([1, 2, 3]),
  },
  {
    // The counterparty is held with the order that references it: the run's files have neither.
    name: "a bad row in a dimension: the held counterparty and its order are not loaded",
    runs: [
      first(),
      {
        id: RUN_2,
        rows: { dim_date: changedOrder().dim_date ?? [] },
        options: { previousRunId: RUN_1, held: "counterparty" },
      },
    ],
    check: (s) => expect(s.star.dim_counterparty).toHaveLength(1),
  },
  {
    name: "a quarantine retry of a held dimension row: the counterparty and its orders load after the fix",
    runs: [
      { ...first({ held: "counterparty" }), rows: withoutCounterparty() },
      {
        id: RUN_2,
        rows: {
          dim_counterparty: firstRun().dim_counterparty ?? [],
          fact_sales_order: firstRun().fact_sales_order ?? [],
        },
        options: { previousRunId: RUN_1 },
      },
    ],
    check: (s) => expect(s.star.fact_sales_order?.map((r) => r.counterparty_id)).toEqual([1, 1]),
  },
  {
    name: "a quarantine retry after the fix: the held order loads once, a redelivery loads nothing",
    runs: [first({ held: "sales_order" }), orderChanged(), { ...orderChanged(), expect: "skipped" }],
    check: (s) => expect(s.star.fact_sales_order?.map((r) => r.sales_order_id)).toEqual([1, 2, 3]),
  },
];
