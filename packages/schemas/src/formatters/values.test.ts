import { describe, expect, it } from "vitest";
import { DataError } from "../errors";
import { thrownBy } from "../testing";
import { distinctVersions, newestByKey, splitTimestamp, toScale } from "./values";

const where = () => "sales_order 7";

describe("toScale", () => {
  it.each([
    ["3.5", 10, 2, "3.50"],
    ["3.50", 10, 2, "3.50"],
    [3.5, 10, 2, "3.50"],
    ["3", 10, 2, "3.00"],
    ["003.10", 10, 2, "3.10"],
    ["3.500", 10, 2, "3.50"],
    ["-0.0", 10, 2, "0.00"],
    ["-12.5", 10, 2, "-12.50"],
    ["99999999.99", 10, 2, "99999999.99"],
    ["42", 10, 0, "42"],
  ] as const)("%j at (%i,%i) is %s", (value, precision, scale, expected) => {
    expect(toScale(value, precision, scale, where)).toBe(expected);
  });

  it.each([
    ["3.505", "sales_order 7: 3.505 has more than 2 decimals and would have to be rounded for decimal(10,2)"],
    ["100000000", "sales_order 7: 100000000 does not fit decimal(10,2)"],
    ["1e3", 'sales_order 7: "1e3" is not a decimal number'],
  ])("refuses %s: %s", (value, message) => {
    const error = thrownBy(() => toScale(value, 10, 2, where));

    expect(error).toBeInstanceOf(DataError);
    expect(error).toMatchObject({ code: "BAD_DECIMAL", message });
  });
});

describe("splitTimestamp", () => {
  it.each([
    ["2022-11-03 14:20:49.962000", "2022-11-03", "14:20:49.962000"],
    ["2022-11-03T14:20:49.962", "2022-11-03", "14:20:49.962000"],
    ["2022-11-03 14:20:49", "2022-11-03", "14:20:49.000000"],
    ["2022-11-03T14:20:49.123456", "2022-11-03", "14:20:49.123456"],
  ])("%s is %s and %s", (ts, date, time) => {
    expect(splitTimestamp(ts, where)).toEqual({ date, time });
  });

  it("names the row when the value is not a timestamp", () => {
    const error = thrownBy(() => splitTimestamp("yesterday", where));

    expect(error).toMatchObject({
      code: "BAD_TIMESTAMP",
      message: 'sales_order 7: "yesterday" is not a timestamp',
    });
  });
});

describe("newestByKey", () => {
  const label = { table: "address", key: "address_id" };

  it("keeps the newest version to the microsecond, whatever the input order and form", () => {
    const rows = [
      { id: 1, v: "b", last_updated: "2024-01-01 10:00:00.000002" },
      { id: 1, v: "a", last_updated: "2024-01-01T10:00:00.000001" },
      { id: 2, v: "c", last_updated: "2024-01-01T10:00:00" },
      { id: 1, v: "z", last_updated: "2024-01-01 10:00:00" },
    ];

    const newest = newestByKey(rows, (r) => r.id, label);

    expect(newest.map((r) => r.v)).toEqual(["b", "c"]);
  });

  it("collapses exact duplicates", () => {
    const row = { id: 1, last_updated: "2024-01-01 10:00:00.000000" };

    expect(newestByKey([row, { ...row }], (r) => r.id, label)).toHaveLength(1);
  });

  it("refuses two different rows with the same key and last_updated", () => {
    const rows = [
      { id: 3, v: "a", last_updated: "2024-01-01 10:00:00.000000" },
      { id: 3, v: "b", last_updated: "2024-01-01T10:00:00" },
    ];

    const error = thrownBy(() => newestByKey(rows, (r) => r.id, label));

    expect(error).toBeInstanceOf(DataError);
    expect(error).toMatchObject({
      code: "CONFLICTING_VERSION",
      message:
        "address: two different rows for address_id 3 with the same last_updated 2024-01-01 10:00:00.000000",
    });
  });
});

describe("distinctVersions", () => {
  const label = { table: "payment", key: "payment_id" };
  const version = {
    id: 1,
    last_updated_date: "2024-01-01",
    last_updated_time: "10:00:00.000000",
    paid: false,
  };

  it("keeps one row per version and drops exact duplicates", () => {
    const rows = [version, { ...version }, { ...version, last_updated_time: "11:00:00.000000", paid: true }];

    expect(distinctVersions(rows, (r) => r.id, label)).toHaveLength(2);
  });

  it("refuses two different rows of one version", () => {
    const rows = [version, { ...version, paid: true }];

    const error = thrownBy(() => distinctVersions(rows, (r) => r.id, label));

    expect(error).toBeInstanceOf(DataError);
    expect(error).toMatchObject({
      code: "CONFLICTING_VERSION",
      message:
        "payment: two different rows for payment_id 1 with the same last_updated 2024-01-01 10:00:00.000000",
    });
  });
});
