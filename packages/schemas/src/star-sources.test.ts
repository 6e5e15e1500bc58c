import { describe, expect, it } from "vitest";
import { decimalToUnscaled } from "./decimal";
import { toDimTransaction } from "./formatters/to-dim-transaction";
import { toFactPayment } from "./formatters/to-fact-payment";
import { toFactPurchaseOrder } from "./formatters/to-fact-purchase-order";
import { toFactSalesOrder } from "./formatters/to-fact-sales-order";
import { sourceColumns } from "./source";
import { columnSpec } from "./star-columns";
import { ROW_SOURCES, type RowSourcedStarTable, starColumnSources } from "./star-sources";
import { makePayment, makePurchaseOrder, makeSalesOrder, makeTransaction } from "./testing/source-rows";

/** One source row in a non-canonical but valid shape, and what the table's formatter makes of it. */
const SAMPLES: Record<
  RowSourcedStarTable,
  () => { source: Record<string, unknown>; star: Record<string, unknown> }
> = {
  fact_sales_order: () => {
    const source = makeSalesOrder({ created_at: "2023-01-02T03:04:05.5", unit_price: "3.5", staff_id: 9 });
    return { source, star: { ...toFactSalesOrder([source])[0] } };
  },
  fact_purchase_order: () => {
    const source = makePurchaseOrder({ last_updated: "2023-05-06 07:08:09", item_unit_price: "12" });
    return { source, star: { ...toFactPurchaseOrder([source])[0] } };
  },
  fact_payment: () => {
    const source = makePayment({ created_at: "2023-02-03 04:05:06.123456", paid: true });
    return { source, star: { ...toFactPayment([source])[0] } };
  },
  dim_transaction: () => {
    const source = makeTransaction({ last_updated: "2024-02-29T23:59:59.1" });
    return { source, star: { ...toDimTransaction([source])[0] } };
  },
};

/** A source timestamp's part, canonical (`YYYY-MM-DD HH:MM:SS.ffffff`). */
function partOf(value: unknown, part: "date" | "time" | "timestamp"): string {
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.(\d+))?$/.exec(String(value));
  const date = m?.[1] ?? "";
  const time = `${m?.[2] ?? ""}.${(m?.[3] ?? "").padEnd(6, "0")}`;
  return part === "date" ? date : part === "time" ? time : `${date} ${time}`;
}

describe("ROW_SOURCES", () => {
  it.each(Object.keys(ROW_SOURCES) as RowSourcedStarTable[])(
    "%s: every column comes from a source column, and the formatter fills it so",
    (star) => {
      const { source, star: row } = SAMPLES[star]();
      const sources = starColumnSources(star);

      for (const [column, { from, part }] of Object.entries(sources)) {
        expect(sourceColumns(ROW_SOURCES[star].source), `${star}.${column}`).toContain(from);
        const value = source[from];
        const spec = columnSpec(star, column);
        if (part !== undefined) expect(row[column], `${star}.${column}`).toBe(partOf(value, part));
        else if (spec.type === "decimal")
          expect(decimalToUnscaled(String(row[column]), spec.precision ?? 0, spec.scale ?? 0)).toBe(
            decimalToUnscaled(String(value), spec.precision ?? 0, spec.scale ?? 0),
          );
        else expect(row[column], `${star}.${column}`).toBe(value);
      }
      expect(Object.keys(sources)).toEqual(Object.keys(row));
    },
  );
});
