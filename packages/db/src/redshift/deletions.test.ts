import { describe, expect, it } from "vitest";
import { DELETION_KEYS_PER_STATEMENT, redshiftDeletionStatements } from "./deletions";

const AT = "2024-01-02 03:04:05.123456";

describe("redshiftDeletionStatements", () => {
  it("marks a dimension's rows deleted, with the time as a checked literal", () => {
    expect(
      redshiftDeletionStatements("warehouse", [{ table: "dim_staff", keys: [4, 9], deletedAt: AT }]),
    ).toEqual([
      `update "warehouse"."dim_staff" set "is_deleted" = true, "deleted_at" = cast('${AT}' as timestamp), ` +
        `"source_updated_at" = cast('${AT}' as timestamp) where "staff_id" in (4, 9) and "is_deleted" = false ` +
        `and ("source_updated_at" is null or "source_updated_at" <= cast('${AT}' as timestamp))`,
    ]);
  });

  it("adds a fact's deletion version from its last known version", () => {
    const [sql] = redshiftDeletionStatements("warehouse", [
      { table: "fact_payment", keys: [7], deletedAt: AT },
    ]);

    expect(sql).toBe(
      `insert into "warehouse"."fact_payment" ("payment_id", "created_date", "created_time", "last_updated_date", ` +
        `"last_updated_time", "transaction_id", "counterparty_id", "payment_amount", "currency_id", "payment_type_id", ` +
        `"paid", "payment_date", "is_deleted", "deleted_at") select "_l"."payment_id", "_l"."created_date", ` +
        `"_l"."created_time", cast(cast('${AT}' as timestamp) as date), cast(cast('${AT}' as timestamp) as time), ` +
        `"_l"."transaction_id", "_l"."counterparty_id", "_l"."payment_amount", "_l"."currency_id", ` +
        `"_l"."payment_type_id", "_l"."paid", "_l"."payment_date", true, cast('${AT}' as timestamp) from ` +
        `(select "payment_id", "created_date", "created_time", "last_updated_date", "last_updated_time", ` +
        `"transaction_id", "counterparty_id", "payment_amount", "currency_id", "payment_type_id", "paid", ` +
        `"payment_date", "is_deleted", row_number() over (partition by "payment_id" order by ` +
        `"last_updated_date" desc, "last_updated_time" desc) as "_n" from "warehouse"."fact_payment" ` +
        `where "payment_id" in (7)) as "_l" where "_l"."_n" = 1 and "_l"."is_deleted" = false`,
    );
  });

  it("orders tables for the load (dimensions first) and splits long key lists", () => {
    const keys = Array.from({ length: DELETION_KEYS_PER_STATEMENT + 1 }, (_, i) => i + 1);

    const statements = redshiftDeletionStatements("warehouse", [
      { table: "fact_sales_order", keys, deletedAt: AT },
      { table: "dim_transaction", keys: [1], deletedAt: AT },
    ]);

    expect(statements.map((s) => s.slice(0, 40))).toEqual([
      'update "warehouse"."dim_transaction" set',
      'insert into "warehouse"."fact_sales_orde',
      'insert into "warehouse"."fact_sales_orde',
    ]);
    expect(statements[2]).toContain(`in (${DELETION_KEYS_PER_STATEMENT + 1})`);
  });

  it.each([
    ["a fractional key", [1.5], AT],
    ["a negative key", [-1], AT],
    ["a time with a quote", [1], "2024-01-02 03:04:05'; drop table x; --"],
  ])("refuses %s", (_what, keys, deletedAt) => {
    expect(() => redshiftDeletionStatements("warehouse", [{ table: "dim_staff", keys, deletedAt }])).toThrow(
      /refused/,
    );
  });
});
