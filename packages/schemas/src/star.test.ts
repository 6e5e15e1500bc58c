import { describe, expect, it } from "vitest";
import { DimDateSchema, FactPaymentSchema, FactSalesOrderSchema, StarTimeSchema } from "./star";

const sale = {
  sales_order_id: 1,
  created_date: "2022-11-03",
  created_time: "14:20:52.186000",
  last_updated_date: "2022-11-03",
  last_updated_time: "14:20:52.186000",
  sales_staff_id: 1,
  counterparty_id: 1,
  units_sold: 100,
  unit_price: "3.50",
  currency_id: 1,
  design_id: 1,
  agreed_payment_date: "2022-11-08",
  agreed_delivery_date: "2022-11-07",
  agreed_delivery_location_id: 1,
};

describe("warehouse row schemas", () => {
  it.each([
    ["3.50", true],
    ["99999999.99", true],
    ["0.00", true],
    ["3.5", false],
    [3.5, false],
    ["100000000.00", false],
    ["03.50", false],
  ])("unit_price %j valid: %s", (unitPrice, valid) => {
    const result = FactSalesOrderSchema.safeParse({ ...sale, unit_price: unitPrice });

    expect(result.success).toBe(valid);
  });

  it.each([
    ["14:20:52.186000", true],
    ["00:00:00.000000", true],
    ["14:20:52.186", false],
    ["14:20:52", false],
    ["24:00:00.000000", false],
  ])("time %s valid: %s", (time, valid) => {
    expect(StarTimeSchema.safeParse(time).success).toBe(valid);
  });

  it("refuses a surrogate id in a fact file row", () => {
    const result = FactSalesOrderSchema.safeParse({ ...sale, sales_record_id: 1 });

    expect(result.success).toBe(false);
  });

  it("refuses a day of week outside ISO 1..7", () => {
    const result = DimDateSchema.safeParse({
      date_id: "2024-01-07",
      year: 2024,
      month: 1,
      day: 7,
      day_of_week: 0,
      day_name: "Sunday",
      month_name: "January",
      quarter: 1,
    });

    expect(result.success).toBe(false);
  });

  it("accepts payment_amount up to decimal(14,2)", () => {
    const payment = {
      payment_id: 1,
      created_date: "2022-11-03",
      created_time: "14:20:52.186000",
      last_updated_date: "2022-11-03",
      last_updated_time: "14:20:52.186000",
      transaction_id: 1,
      counterparty_id: 1,
      payment_amount: "999999999999.99",
      currency_id: 1,
      payment_type_id: 1,
      paid: false,
      payment_date: "2022-11-08",
    };

    expect(FactPaymentSchema.safeParse(payment).success).toBe(true);
    expect(FactPaymentSchema.safeParse({ ...payment, payment_amount: "1000000000000.00" }).success).toBe(
      false,
    );
  });
});
