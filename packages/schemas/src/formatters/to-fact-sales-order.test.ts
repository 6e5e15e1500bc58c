import { describe, expect, it } from "vitest";
import { DataError } from "../errors";
import { makeSalesOrder, thrownBy } from "../testing";
import { toFactSalesOrder } from "./to-fact-sales-order";

describe("toFactSalesOrder", () => {
  it("maps a sales order to the warehouse columns, without a surrogate id", () => {
    const [row] = toFactSalesOrder([makeSalesOrder()]);

    expect(row).toEqual({
      sales_order_id: 1,
      created_date: "2022-11-03",
      created_time: "14:20:52.186000",
      last_updated_date: "2022-11-03",
      last_updated_time: "14:20:52.186000",
      sales_staff_id: 1,
      counterparty_id: 1,
      units_sold: 42972,
      unit_price: "3.94",
      currency_id: 1,
      design_id: 1,
      agreed_payment_date: "2022-11-08",
      agreed_delivery_date: "2022-11-07",
      agreed_delivery_location_id: 1,
    });
  });

  it.each([
    ["3.5", "3.50"],
    ["3.50", "3.50"],
    ["3", "3.00"],
    ["2.00", "2.00"],
    ["4", "4.00"],
  ])("unit_price %s is %s", (price, expected) => {
    const [row] = toFactSalesOrder([makeSalesOrder({ unit_price: price })]);

    expect(row?.unit_price).toBe(expected);
  });

  it.each([
    ["2022-11-03 14:20:52", "14:20:52.000000"],
    ["2022-11-03T14:20:52.1", "14:20:52.100000"],
    ["2022-11-03 14:20:52.186", "14:20:52.186000"],
    ["2022-11-03 14:20:52.186123", "14:20:52.186123"],
  ])("created_at %s gives created_time %s", (createdAt, time) => {
    const [row] = toFactSalesOrder([makeSalesOrder({ created_at: createdAt })]);

    expect(row).toMatchObject({ created_date: "2022-11-03", created_time: time });
  });

  it("keeps both versions of an order updated twice in one batch, and drops an exact duplicate", () => {
    const first = makeSalesOrder({ units_sold: 100, last_updated: "2023-01-02 09:00:00.000000" });
    const second = makeSalesOrder({ units_sold: 200, last_updated: "2023-01-02 09:00:00.000001" });

    const rows = toFactSalesOrder([first, second, { ...first }]);

    expect(rows.map((r) => [r.last_updated_time, r.units_sold])).toEqual([
      ["09:00:00.000000", 100],
      ["09:00:00.000001", 200],
    ]);
  });

  it("treats 3.5 and 3.50 of the same version as the same row", () => {
    const rows = toFactSalesOrder([
      makeSalesOrder({ unit_price: "3.5" }),
      makeSalesOrder({ unit_price: "3.50" }),
    ]);

    expect(rows).toHaveLength(1);
  });

  it.each([
    [
      "two different rows of one version",
      [makeSalesOrder({ units_sold: 1 }), makeSalesOrder({ units_sold: 2 })],
      "CONFLICTING_VERSION",
      "sales_order: two different rows for sales_order_id 1 with the same last_updated 2022-11-03 14:20:52.186000",
    ],
    [
      "a price with three decimals",
      [makeSalesOrder({ sales_order_id: 5, unit_price: "3.505" })],
      "BAD_DECIMAL",
      "sales_order 5 (last_updated 2022-11-03 14:20:52.186000) unit_price: 3.505 has more than 2 decimals and would have to be rounded for decimal(10,2)",
    ],
    [
      "a price too large for numeric(10,2)",
      [makeSalesOrder({ sales_order_id: 6, unit_price: "123456789" })],
      "BAD_DECIMAL",
      "sales_order 6 (last_updated 2022-11-03 14:20:52.186000) unit_price: 123456789 does not fit decimal(10,2)",
    ],
  ])("refuses %s", (_, orders, code, message) => {
    const error = thrownBy(() => toFactSalesOrder(orders));

    expect(error).toBeInstanceOf(DataError);
    expect(error).toMatchObject({ code, message });
  });
});
