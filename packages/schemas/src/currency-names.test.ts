import { describe, expect, it } from "vitest";
import { CURRENCY_NAMES, currencyName } from "./currency-names";

describe("currencyName", () => {
  it.each([
    ["GBP", "Pound Sterling"],
    ["USD", "US Dollar"],
    ["EUR", "Euro"],
    ["JPY", "Yen"],
    ["CHF", "Swiss Franc"],
  ])("%s is %s", (code, name) => {
    expect(currencyName(code)).toBe(name);
  });

  it.each([["XYZ"], ["gbp"], ["toString"], ["__proto__"], [""]])("%j is not a currency", (code) => {
    expect(currencyName(code)).toBeUndefined();
  });

  it("holds only three-letter upper-case codes", () => {
    const codes = Object.keys(CURRENCY_NAMES);

    expect(codes.length).toBeGreaterThan(150);
    expect(codes.every((c) => /^[A-Z]{3}$/.test(c))).toBe(true);
  });
});
