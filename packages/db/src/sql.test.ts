import { DataError } from "@etl/schemas";
import { describe, expect, it } from "vitest";
import { qualified, quoteIdent } from "./sql";

describe("quoteIdent", () => {
  it.each([
    ["transaction", '"transaction"'],
    ["dim_date", '"dim_date"'],
    ["_prisma_migrations", '"_prisma_migrations"'],
  ])("quotes %s", (name, quoted) => {
    expect(quoteIdent(name)).toBe(quoted);
  });

  it.each([['a"; drop table x; --'], ["a b"], ["x--"], ["1abc"], [""], ["a".repeat(64)], ["tab;le"]])(
    "refuses %j",
    (name) => {
      expect(() => quoteIdent(name)).toThrow(DataError);
    },
  );

  it("qualifies schema and table", () => {
    expect(qualified("warehouse", "dim_staff")).toBe('"warehouse"."dim_staff"');
  });
});
