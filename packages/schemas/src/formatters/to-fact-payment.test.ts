import { describe, expect, it } from "vitest";
import { DataError } from "../errors";
import { makePayment, thrownBy } from "../testing";
import { toFactPayment } from "./to-fact-payment";

describe("toFactPayment", () => {
  it("maps a payment and drops the account numbers", () => {
    const [row] = toFactPayment([makePayment()]);

    expect(row).toEqual({
      payment_id: 1,
      created_date: "2022-11-03",
      created_time: "14:20:52.186000",
      last_updated_date: "2022-11-03",
      last_updated_time: "14:20:52.186000",
      transaction_id: 1,
      counterparty_id: 1,
      payment_amount: "169331.88",
      currency_id: 1,
      payment_type_id: 1,
      paid: false,
      payment_date: "2022-11-08",
    });
  });

  it.each([
    ["1", "1.00"],
    ["1000000", "1000000.00"],
    ["2500.5", "2500.50"],
  ])("payment_amount %s is %s", (amount, expected) => {
    const [row] = toFactPayment([makePayment({ payment_amount: amount })]);

    expect(row?.payment_amount).toBe(expected);
  });

  it("keeps the unpaid and the paid version of a payment", () => {
    const unpaid = makePayment();
    const paid = makePayment({ paid: true, last_updated: "2022-11-05T09:12:01.5" });

    const rows = toFactPayment([unpaid, paid]);

    expect(rows.map((r) => [r.last_updated_date, r.last_updated_time, r.paid])).toEqual([
      ["2022-11-03", "14:20:52.186000", false],
      ["2022-11-05", "09:12:01.500000", true],
    ]);
  });

  it("refuses an amount too large for the column", () => {
    const error = thrownBy(() =>
      toFactPayment([makePayment({ payment_id: 3, payment_amount: "1000000000000" })]),
    );

    expect(error).toBeInstanceOf(DataError);
    expect(error).toMatchObject({
      code: "BAD_DECIMAL",
      message:
        "payment 3 (last_updated 2022-11-03 14:20:52.186000) payment_amount: 1000000000000 does not fit decimal(14,2)",
    });
  });
});
