import { describe, expect, it } from "vitest";
import {
  dateToDays,
  daysToDate,
  decimalToUnscaled,
  microsToTimestamp,
  timestampToMicros,
  unscaledToDecimal,
} from "./columns";

describe("decimalToUnscaled", () => {
  it.each([
    ["12.50", 10, 2, 1250n],
    ["-12.5", 10, 2, -1250n],
    ["0", 10, 2, 0n],
    ["-0.00", 10, 2, 0n],
    ["+7", 10, 2, 700n],
    [".05", 10, 2, 5n],
    ["99999999.99", 10, 2, 9999999999n],
    ["1.2300", 10, 2, 123n],
    ["00012.34", 10, 2, 1234n],
    ["12345678901234567890123456.789012345678", 38, 12, 12345678901234567890123456789012345678n],
  ])("reads %s at DECIMAL(%i,%i) as %s", (text, precision, scale, expected) => {
    expect(decimalToUnscaled(text, precision, scale)).toBe(expected);
  });

  it.each([
    ["1.234", 10, 2, "would need rounding"],
    ["100000000.00", 10, 2, "needs 11 digits"],
    ["1e5", 10, 2, "exponent"],
    ["12,50", 10, 2, "comma"],
    ["", 10, 2, "empty"],
    [".", 10, 2, "no digits"],
    ["NaN", 10, 2, "not a number"],
    [" 1.00", 10, 2, "leading space"],
  ])("refuses %s at DECIMAL(%i,%i) (%s)", (text, precision, scale) => {
    expect(decimalToUnscaled(text, precision, scale)).toBeUndefined();
  });
});

describe("unscaledToDecimal", () => {
  it.each([
    [1250n, 2, "12.50"],
    [-1250n, 2, "-12.50"],
    [5n, 2, "0.05"],
    [-5n, 2, "-0.05"],
    [0n, 2, "0.00"],
    [42n, 0, "42"],
    [-(10n ** 37n), 4, "-1000000000000000000000000000000000.0000"],
  ])("writes %s at scale %i as %s", (unscaled, scale, expected) => {
    expect(unscaledToDecimal(unscaled, scale)).toBe(expected);
  });
});

describe("dates", () => {
  it.each([
    ["1970-01-01", 0],
    ["1969-12-31", -1],
    ["2024-02-29", 19782],
    ["2026-11-23", 20780],
    ["0001-01-01", -719162],
  ])("%s is day %i and back", (text, days) => {
    expect(dateToDays(text)).toBe(days);

    expect(daysToDate(days)).toBe(text);
  });

  it.each(["2023-02-29", "2024-13-01", "2024-1-01", "2024-01-01T00:00:00", "yesterday"])(
    "refuses %s",
    (text) => {
      expect(dateToDays(text)).toBeUndefined();
    },
  );
});

describe("timestamps", () => {
  it.each([
    ["2024-01-01 10:11:12.123456", 1704103872123456n, "2024-01-01T10:11:12.123456"],
    ["2024-01-01T10:11:12", 1704103872000000n, "2024-01-01T10:11:12.000000"],
    ["2024-01-01 10:11:12.5", 1704103872500000n, "2024-01-01T10:11:12.500000"],
    ["1969-12-31 23:59:59.999999", -1n, "1969-12-31T23:59:59.999999"],
    ["2024-01-01T10:11:12.000001Z", 1704103872000001n, "2024-01-01T10:11:12.000001"],
  ])("%s is %s microseconds", (text, micros, canonical) => {
    expect(timestampToMicros(text)).toBe(micros);

    expect(microsToTimestamp(micros)).toBe(canonical);
  });

  it.each(["2024-01-01 24:00:00", "2024-01-01 10:11:12.1234567", "2024-01-01 10:11:12+01:00", "2024-01-01"])(
    "refuses %s",
    (text) => {
      expect(timestampToMicros(text)).toBeUndefined();
    },
  );

  it("marks UTC instants with Z", () => {
    expect(microsToTimestamp(0n, true)).toBe("1970-01-01T00:00:00.000000Z");
  });
});
