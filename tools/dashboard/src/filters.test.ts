import { describe, expect, it } from "vitest";
import { filterQuery, parseFilters } from "./filters";

describe("parseFilters", () => {
  it("reads days and a currency, upper-casing the code", () => {
    const parsed = parseFilters(new URLSearchParams("from=2026-01-01&to=2026-06-30&currency=usd"));

    expect(parsed).toEqual({
      filters: { from: "2026-01-01", to: "2026-06-30", currency: "USD" },
      problems: [],
    });
  });

  it.each([
    ["from=yesterday", 'ignored from="yesterday": a day is written YYYY-MM-DD'],
    ["to=2026-13-45", 'ignored to="2026-13-45": a day is written YYYY-MM-DD'],
    ["currency=pounds", 'ignored currency="POUNDS": a currency is a three-letter code'],
  ])("drops %s with a note", (query, problem) => {
    const parsed = parseFilters(new URLSearchParams(query));

    expect(parsed).toEqual({ filters: {}, problems: [problem] });
  });
});

describe("filterQuery", () => {
  it("writes only what is set", () => {
    expect(filterQuery({})).toBe("");
    expect(filterQuery({ from: "2026-01-01", currency: "EUR" })).toBe("?from=2026-01-01&currency=EUR");
    expect(filterQuery({ to: "2026-02-01" })).toBe("?to=2026-02-01");
  });
});
