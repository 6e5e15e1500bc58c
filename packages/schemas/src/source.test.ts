import { describe, expect, it } from "vitest";
import {
  AddressSchema,
  normaliseTimestamp,
  PaymentSchema,
  SalesOrderSchema,
  SourceDateSchema,
  SourceNumericSchema,
  SourceTimestampSchema,
  sourceColumns,
  TransactionSchema,
} from "./source";
import { SOURCE_TABLE_NAMES, SOURCE_TABLES } from "./tables";
import { makeAddress, makePayment, makeSalesOrder, makeTransaction } from "./testing";

describe("SourceTimestampSchema", () => {
  it.each([
    ["2022-11-03 14:20:49.962", "2022-11-03 14:20:49.962000"],
    ["2022-11-03T14:20:49.962", "2022-11-03 14:20:49.962000"],
    ["2022-11-03 14:20:49", "2022-11-03 14:20:49.000000"],
    ["2022-11-03T14:20:49", "2022-11-03 14:20:49.000000"],
    ["2022-11-03 14:20:49.962123", "2022-11-03 14:20:49.962123"],
    ["2022-11-03 14:20:49.96", "2022-11-03 14:20:49.960000"],
    ["2024-02-29 23:59:59.999999", "2024-02-29 23:59:59.999999"],
  ])("reads %s as %s", (input, canonical) => {
    const parsed = SourceTimestampSchema.parse(input);

    expect(parsed).toBe(canonical);
  });

  it.each([
    ["2022-11-03"],
    ["2022-11-03 14:20"],
    ["2022-11-03 14:20:49.1234567"],
    ["2022-11-03 14:20:49Z"],
    ["2022-11-03 14:20:49+00"],
    ["2023-02-29 10:00:00"],
    ["2022-13-01 10:00:00"],
    ["2022-11-03 24:00:00"],
    ["2022-11-03 14:60:00"],
    ["03/11/2022 14:20"],
  ])("refuses %s", (input) => {
    const result = SourceTimestampSchema.safeParse(input);

    expect(result.success).toBe(false);
  });

  it("orders canonical forms exactly to the microsecond as strings", () => {
    const earlier = normaliseTimestamp("2022-11-03T14:20:49.962");
    const later = normaliseTimestamp("2022-11-03 14:20:49.962001");

    expect(earlier !== undefined && later !== undefined && earlier < later).toBe(true);
  });
});

describe("SourceNumericSchema", () => {
  it.each([
    ["3.50", "3.50"],
    ["3.5", "3.5"],
    [3.5, "3.5"],
    [3, "3"],
    ["1000000.00", "1000000.00"],
    ["-12.25", "-12.25"],
  ])("reads %j as the decimal string %s", (input, text) => {
    const parsed = SourceNumericSchema.parse(input);

    expect(parsed).toBe(text);
  });

  it.each([["abc"], ["1e3"], [1e21], [Number.NaN], [Number.POSITIVE_INFINITY], [""], ["3."], [".5"]])(
    "refuses %j",
    (input) => {
      const result = SourceNumericSchema.safeParse(input);

      expect(result.success).toBe(false);
    },
  );
});

describe("SourceDateSchema", () => {
  it.each([
    ["2022-11-07", true],
    ["2024-02-29", true],
    ["2023-02-29", false],
    ["2022-11-7", false],
    ["2022-11-07 00:00:00", false],
    ["", false],
  ])("%j is a date: %s", (input, valid) => {
    const result = SourceDateSchema.safeParse(input);

    expect(result.success).toBe(valid);
  });
});

describe("row schemas", () => {
  it.each(SOURCE_TABLE_NAMES)("%s has a schema holding its primary key", (table) => {
    const columns = sourceColumns(table);

    expect(columns).toContain(SOURCE_TABLES[table]);
    expect(columns).toContain("last_updated");
  });

  it("accepts an export with T timestamps, numeric as a number and NULL address lines", () => {
    const row = { ...makeSalesOrder(), created_at: "2022-11-03T14:20:52.186", unit_price: 3.5 };

    const parsed = SalesOrderSchema.parse(row);

    expect(parsed.created_at).toBe("2022-11-03 14:20:52.186000");
    expect(parsed.unit_price).toBe("3.5");
    expect(AddressSchema.parse(makeAddress({ address_line_2: null, district: null })).district).toBeNull();
  });

  it("refuses a column it does not know, so a wrong export shape is caught", () => {
    const row = { ...makeAddress(), extra: 1 };

    const result = AddressSchema.safeParse(row);

    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.code).toBe("unrecognized_keys");
  });

  it.each([
    ["a missing NOT NULL column", { ...makeAddress(), city: undefined }],
    ["NULL in a NOT NULL column", { ...makeAddress(), city: null }],
    ["a fractional id", { ...makeAddress(), address_id: 1.5 }],
  ])("refuses %s", (_, row) => {
    const result = AddressSchema.safeParse(row);

    expect(result.success).toBe(false);
  });

  it("reads the table named transaction with one order id NULL", () => {
    const parsed = TransactionSchema.parse(
      makeTransaction({ transaction_type: "PURCHASE", sales_order_id: null, purchase_order_id: 4 }),
    );

    expect(parsed).toMatchObject({ sales_order_id: null, purchase_order_id: 4 });
  });

  it("reads payments with a varchar payment_date and a boolean paid", () => {
    const parsed = PaymentSchema.parse({ ...makePayment(), payment_amount: 1200, paid: true });

    expect(parsed).toMatchObject({ payment_amount: "1200", paid: true, payment_date: "2022-11-08" });
  });
});
