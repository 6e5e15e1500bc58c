import { describe, expect, it } from "vitest";
import { DataError } from "../errors";
import { makePurchaseOrder, thrownBy } from "../testing";
import { toFactPurchaseOrder } from "./to-fact-purchase-order";

describe("toFactPurchaseOrder", () => {
  it("maps a purchase order to the warehouse columns", () => {
    const [row] = toFactPurchaseOrder([makePurchaseOrder()]);

    expect(row).toEqual({
      purchase_order_id: 1,
      created_date: "2022-11-03",
      created_time: "14:20:52.187000",
      last_updated_date: "2022-11-03",
      last_updated_time: "14:20:52.187000",
      staff_id: 1,
      counterparty_id: 1,
      item_code: "ZDOI5EA",
      item_quantity: 371,
      item_unit_price: "361.39",
      currency_id: 1,
      agreed_delivery_date: "2022-11-09",
      agreed_payment_date: "2022-11-07",
      agreed_delivery_location_id: 1,
    });
  });

  it.each([
    ["3", "3.00"],
    ["3.5", "3.50"],
    ["1000.00", "1000.00"],
    ["999.990", "999.99"],
  ])("item_unit_price %s is %s", (price, expected) => {
    const [row] = toFactPurchaseOrder([makePurchaseOrder({ item_unit_price: price })]);

    expect(row?.item_unit_price).toBe(expected);
  });

  it("keeps one row per version", () => {
    const rows = toFactPurchaseOrder([
      makePurchaseOrder(),
      makePurchaseOrder({ item_quantity: 5, last_updated: "2022-11-04 08:00:00" }),
      makePurchaseOrder(),
    ]);

    expect(rows.map((r) => r.item_quantity)).toEqual([371, 5]);
  });

  it("refuses an item price with more decimals than the column", () => {
    const error = thrownBy(() => toFactPurchaseOrder([makePurchaseOrder({ item_unit_price: "3.141" })]));

    expect(error).toBeInstanceOf(DataError);
    expect(error).toMatchObject({
      code: "BAD_DECIMAL",
      message:
        "purchase_order 1 (last_updated 2022-11-03 14:20:52.187000) item_unit_price: 3.141 has more than 2 decimals and would have to be rounded for decimal(12,2)",
    });
  });
});
