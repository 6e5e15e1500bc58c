import { describe, expect, it } from "vitest";
import { makePaymentType } from "../testing";
import { toDimPaymentType } from "./to-dim-payment-type";

describe("toDimPaymentType", () => {
  it.each([
    [1, "SALES_RECEIPT"],
    [2, "SALES_REFUND"],
    [3, "PURCHASE_PAYMENT"],
    [4, "PURCHASE_REFUND"],
  ])("maps payment type %i %s", (id, name) => {
    const rows = toDimPaymentType([makePaymentType({ payment_type_id: id, payment_type_name: name })]);

    expect(rows).toEqual([
      { payment_type_id: id, payment_type_name: name, source_updated_at: "2022-11-03 14:20:49.962000" },
    ]);
  });

  it("keeps the newest name", () => {
    const rows = toDimPaymentType([
      makePaymentType({ payment_type_name: "NEW", last_updated: "2023-03-03 10:00:00.000000" }),
      makePaymentType({ payment_type_name: "OLD" }),
    ]);

    expect(rows).toEqual([
      { payment_type_id: 1, payment_type_name: "NEW", source_updated_at: "2023-03-03 10:00:00.000000" },
    ]);
  });
});
