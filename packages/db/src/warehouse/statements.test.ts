import { STAR_TABLE_NAMES } from "@etl/schemas";
import { describe, expect, it } from "vitest";
import {
  copyIntoStagingSql,
  createStagingSql,
  firstLoadSql,
  insertLoadedFilesSql,
  mergeSql,
  tablePlan,
  upsertLoadRunSql,
} from "./statements";

describe("PostgreSQL load statements", () => {
  it.each(["dim_date", "dim_location", "dim_counterparty", "fact_sales_order", "fact_payment"] as const)(
    "match the snapshot for %s",
    (table) => {
      const plan = tablePlan(table);

      const sql = [createStagingSql(plan), copyIntoStagingSql(plan), mergeSql(plan)].join(";\n");

      expect(sql).toMatchSnapshot();
    },
  );

  it.each(["dim_transaction", "fact_payment"] as const)(
    "first-load SQL of %s matches the snapshot",
    (table) => {
      const { lock, before, insert, after } = firstLoadSql(tablePlan(table));

      expect([...(lock ? [lock] : []), ...before, insert, ...after].join(";\n")).toMatchSnapshot();
    },
  );

  it("rebuilds a fact's keys as the warehouse DDL declares them, and never drops a dimension's", () => {
    const fact = firstLoadSql(tablePlan("fact_sales_order"));
    const dimension = firstLoadSql(tablePlan("dim_transaction"));

    expect(fact.after.join()).toContain(
      'add constraint "fact_sales_order_pkey" primary key ("sales_record_id"), ' +
        'add constraint "fact_sales_order_natural_key" unique ("sales_order_id", "last_updated_date", "last_updated_time")',
    );
    expect(dimension).toMatchObject({ before: [], after: [] });
    expect(dimension.lock).toBeUndefined();
    expect(dimension.insert).not.toContain("on conflict");
  });

  it("classifies every star table", () => {
    const kinds = STAR_TABLE_NAMES.map((t) => [t, tablePlan(t).kind]);

    expect(Object.fromEntries(kinds)).toEqual({
      dim_date: "date",
      dim_location: "dimension",
      dim_currency: "dimension",
      dim_design: "dimension",
      dim_staff: "dimension",
      dim_counterparty: "dimension",
      dim_payment_type: "dimension",
      dim_transaction: "dimension",
      fact_sales_order: "fact",
      fact_purchase_order: "fact",
      fact_payment: "fact",
    });
  });

  it("updates a dimension only where a non-key column changed, and never with an older version", () => {
    const sql = mergeSql(tablePlan("dim_currency"));

    expect(sql).toContain(
      '"currency_id", "currency_code", "currency_name", "source_updated_at" from "stg_dim_currency" ' +
        'order by "currency_id", "source_updated_at" desc nulls last, "_seq" desc',
    );
    expect(sql).toContain(
      'on conflict ("currency_id") do update set "currency_code" = excluded."currency_code"',
    );
    expect(sql).toContain(
      'where (excluded."source_updated_at" >= t."source_updated_at" or t."source_updated_at" is null) and ' +
        '(t."currency_code", t."currency_name", t."source_updated_at") is distinct from ' +
        '(excluded."currency_code", excluded."currency_name", excluded."source_updated_at")',
    );
  });

  it("never updates a fact: a known natural version key is skipped", () => {
    const sql = mergeSql(tablePlan("fact_sales_order"));

    expect(sql).toContain(
      'on conflict ("sales_order_id", "last_updated_date", "last_updated_time") do nothing',
    );
    expect(sql).not.toMatch(/do update/);
  });

  it("quotes the schema names it is given, and refuses bad ones", () => {
    expect(mergeSql(tablePlan("dim_date", "dw"))).toContain('"dw"."dim_date"');
    expect(() => mergeSql(tablePlan("dim_date", 'dw"; drop table x; --'))).toThrow("refused SQL identifier");
    expect(() => insertLoadedFilesSql("etl;")).toThrow("refused SQL identifier");
  });

  it("keeps the ledger statements value-free: every value is a parameter", () => {
    expect(insertLoadedFilesSql("etl")).toMatchSnapshot();
    expect(upsertLoadRunSql("etl")).toMatchSnapshot();
  });
});
