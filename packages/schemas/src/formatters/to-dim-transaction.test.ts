import { describe, expect, it } from "vitest";
import { makeTransaction } from "../testing";
import { toDimTransaction } from "./to-dim-transaction";

describe("toDimTransaction (from the table named transaction)", () => {
  it.each([
    [makeTransaction(), { transaction_type: "SALE", sales_order_id: 1, purchase_order_id: null }],
    [
      makeTransaction({ transaction_type: "PURCHASE", sales_order_id: null, purchase_order_id: 9 }),
      { transaction_type: "PURCHASE", sales_order_id: null, purchase_order_id: 9 },
    ],
  ])("maps %#", (transaction, expected) => {
    const rows = toDimTransaction([transaction]);

    expect(rows).toEqual([
      { transaction_id: 1, ...expected, source_updated_at: "2022-11-03 14:20:52.186000" },
    ]);
  });

  it("keeps one row per transaction, the newest", () => {
    const rows = toDimTransaction([
      makeTransaction({ transaction_id: 1 }),
      makeTransaction({ transaction_id: 2, sales_order_id: 2 }),
      makeTransaction({ transaction_id: 1, sales_order_id: 5, last_updated: "2023-01-01 00:00:00.000000" }),
    ]);

    expect(rows.map((r) => [r.transaction_id, r.sales_order_id])).toEqual([
      [1, 5],
      [2, 2],
    ]);
  });
});
