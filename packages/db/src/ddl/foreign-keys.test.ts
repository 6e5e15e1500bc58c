import { STAR_REFERENCES } from "@etl/schemas";
import { describe, expect, it } from "vitest";
import { foreignKeyMigrationSql, foreignKeyModeFor } from "./foreign-keys";
import { warehouseDdl } from "./warehouse";

const fkLines = (sql: string[]) =>
  sql
    .join("\n")
    .split("\n")
    .filter((l) => l.includes("foreign key"));
const allReferences = Object.values(STAR_REFERENCES).flat().length;

describe("the warehouse's foreign keys", () => {
  it.each([
    [170000, "none"],
    [179999, "none"],
    [180000, "not-enforced"],
    [180004, "not-enforced"],
  ] as const)("server %i: %s", (version, mode) => {
    expect(foreignKeyModeFor(version)).toBe(mode);
  });

  it("declares every reference, NOT ENFORCED on PostgreSQL 18, enforced by default", () => {
    const notEnforced = fkLines(warehouseDdl("warehouse", { foreignKeys: "not-enforced" }));
    const enforced = fkLines(warehouseDdl("warehouse"));

    expect(notEnforced).toHaveLength(allReferences);
    expect(notEnforced.every((l) => / not enforced,?$/.test(l))).toBe(true);
    expect(notEnforced[0]).toBe(
      '  constraint "fact_sales_order_created_date_fkey" foreign key ("created_date") references "warehouse"."dim_date" ("date_id") not enforced,',
    );
    expect(enforced).toHaveLength(allReferences);
    expect(enforced.some((l) => l.includes("not enforced"))).toBe(false);
  });

  it("declares none without them, and says what references what in column comments", () => {
    const none = warehouseDdl("warehouse", { foreignKeys: "none" });

    expect(fkLines(none)).toEqual([]);
    expect(foreignKeyMigrationSql("warehouse", "none", [])).toContain(
      `comment on column "warehouse"."fact_payment"."transaction_id" is 'references "warehouse"."dim_transaction" ("transaction_id"), checked by the load'`,
    );
  });

  it("migrates enforced keys to NOT ENFORCED, adds missing ones, and leaves converted ones alone", () => {
    const existing = [
      { table: "fact_sales_order", name: "fact_sales_order_design_id_fkey", enforced: true },
      { table: "fact_payment", name: "fact_payment_paid_fkey_elsewhere", enforced: true },
      { table: "fact_sales_order", name: "fact_sales_order_currency_id_fkey", enforced: false },
    ];

    const sql = foreignKeyMigrationSql("warehouse", "not-enforced", existing);

    expect(sql).toContain(
      'alter table "warehouse"."fact_sales_order" alter constraint "fact_sales_order_design_id_fkey" not enforced',
    );
    expect(sql.filter((s) => s.includes("fact_sales_order_currency_id_fkey"))).toEqual([]);
    expect(sql.filter((s) => s.includes(" add constraint "))).toHaveLength(allReferences - 2);
    expect(sql).toContain(
      'alter table "warehouse"."fact_payment" add constraint "fact_payment_payment_type_id_fkey" foreign key ("payment_type_id") references "warehouse"."dim_payment_type" ("payment_type_id") not enforced',
    );
    expect(sql.some((s) => s.includes("fact_payment_paid_fkey_elsewhere"))).toBe(false);
  });

  it("drops the keys of an older server's warehouse, only those it declared", () => {
    const existing = [
      { table: "fact_sales_order", name: "fact_sales_order_design_id_fkey", enforced: true },
      { table: "fact_payment", name: "someone_elses_fkey", enforced: true },
    ];

    const sql = foreignKeyMigrationSql("warehouse", "none", existing);

    expect(sql.filter((s) => s.includes("drop constraint"))).toEqual([
      'alter table "warehouse"."fact_sales_order" drop constraint if exists "fact_sales_order_design_id_fkey"',
    ]);
  });

  it("changes nothing for enforced keys", () => {
    expect(foreignKeyMigrationSql("warehouse", "enforced", [])).toEqual([]);
  });
});
