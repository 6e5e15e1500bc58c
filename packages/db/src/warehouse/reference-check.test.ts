import { FACT_TABLE_NAMES, STAR_REFERENCES } from "@etl/schemas";
import { describe, expect, it } from "vitest";
import { describeMissingReferences, referenceCheckSql } from "./reference-check";
import { tablePlan } from "./statements";

describe("the set-based reference check", () => {
  it.each(FACT_TABLE_NAMES)("is one anti-join per reference of %s, over its staging table", (fact) => {
    const sql = referenceCheckSql(tablePlan(fact));

    expect(sql.match(/not exists/g)).toHaveLength(STAR_REFERENCES[fact].length);
    expect(sql).toMatchSnapshot();
  });

  it("is only for facts", () => {
    expect(() => referenceCheckSql(tablePlan("dim_staff"))).toThrow("dim_staff has no references");
  });

  it("names every missing key by column and dimension", () => {
    const message = describeMissingReferences(tablePlan("fact_sales_order"), [
      { column: "design_id", key: "999", missing: 2 },
      { column: "design_id", key: "998", missing: 2 },
      { column: "agreed_payment_date", key: "2030-01-01", missing: 1 },
    ]);

    expect(message).toBe(
      "fact_sales_order: keys missing from their dimensions: design_id -> dim_design.design_id: 999, 998; " +
        "agreed_payment_date -> dim_date.date_id: 2030-01-01",
    );
  });

  it("says how many more keys are missing than it names", () => {
    const rows = Array.from({ length: 20 }, (_, i) => ({
      column: "currency_id",
      key: String(i),
      missing: 25,
    }));

    expect(describeMissingReferences(tablePlan("fact_payment"), rows)).toMatch(
      /currency_id -> dim_currency\.currency_id: 0, 1, .*, 19 and 5 more$/,
    );
  });
});

describe("the reference check over collected keys", () => {
  it("probes the dimension once per key for the columns given, per row for the others", () => {
    const sql = referenceCheckSql(tablePlan("fact_payment"), "t", ["payment_date", "transaction_id"]);

    expect(sql).toContain(
      `select distinct u.k::date as k from unnest($1::text[]) u(k) where not exists ` +
        `(select 1 from "warehouse"."dim_date" d where d."date_id" = u.k::date)`,
    );
    expect(sql).toContain(
      `from unnest($2::text[]) u(k) where not exists (select 1 from "warehouse"."dim_transaction"`,
    );
    expect(sql.match(/unnest\(/g)).toHaveLength(2);
    expect(sql.match(/from t s where/g)).toHaveLength(STAR_REFERENCES.fact_payment.length - 2);
  });
});
