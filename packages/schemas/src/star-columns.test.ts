import { describe, expect, it } from "vitest";
import { STAR_SCHEMAS } from "./star";
import {
  columnSpec,
  dateColumns,
  STAR_COLUMNS,
  STAR_KEYS,
  STAR_REFERENCES,
  SURROGATE_KEYS,
} from "./star-columns";
import { STAR_TABLE_NAMES } from "./tables";

describe("STAR_COLUMNS", () => {
  it.each(STAR_TABLE_NAMES)("%s: the row schema has the same columns in the same order", (table) => {
    const schemaColumns = Object.keys(STAR_SCHEMAS[table].shape);

    expect(schemaColumns).toEqual(STAR_COLUMNS[table].map((c) => c.name));
  });

  it.each(STAR_TABLE_NAMES)("%s: nullability agrees with the row schema", (table) => {
    const shape = STAR_SCHEMAS[table].shape as Record<
      string,
      { safeParse(v: unknown): { success: boolean } }
    >;

    const acceptsNull = STAR_COLUMNS[table].map((c) => [c.name, shape[c.name]?.safeParse(null).success]);

    expect(acceptsNull).toEqual(STAR_COLUMNS[table].map((c) => [c.name, c.nullable]));
  });

  it.each(STAR_TABLE_NAMES)("%s: keys are columns of the table", (table) => {
    const names = STAR_COLUMNS[table].map((c) => c.name);

    expect(STAR_KEYS[table].every((k) => names.includes(k))).toBe(true);
  });

  it("leaves out the surrogate ids the warehouse assigns", () => {
    const all = Object.values(STAR_COLUMNS).flatMap((cols) => cols.map((c) => c.name));

    expect(all).not.toContain(SURROGATE_KEYS.fact_sales_order);
    expect(all).not.toContain("purchase_record_id");
    expect(all).not.toContain("payment_record_id");
  });

  it("references only existing key columns", () => {
    const refs = Object.entries(STAR_REFERENCES).flatMap(([fact, list]) =>
      list.map((r) => [fact, r.column, r.table, r.references]),
    );

    for (const [fact, column, table, references] of refs) {
      expect(() => columnSpec(fact as "fact_payment", column as string)).not.toThrow();
      expect(STAR_KEYS[table as "dim_date"]).toEqual([references]);
    }
  });

  it.each([
    ["fact_sales_order", "unit_price", 10, 2],
    ["fact_purchase_order", "item_unit_price", 12, 2],
    ["fact_payment", "payment_amount", 14, 2],
  ] as const)("%s.%s is decimal(%i,%i)", (table, column, precision, scale) => {
    const spec = columnSpec(table, column);

    expect(spec).toMatchObject({ type: "decimal", precision, scale });
  });

  it("covers every date a fact references by its date columns", () => {
    const dates = dateColumns("fact_sales_order");

    expect(dates).toEqual([
      "created_date",
      "last_updated_date",
      "agreed_payment_date",
      "agreed_delivery_date",
    ]);
  });

  it("throws on an unknown column", () => {
    expect(() => columnSpec("dim_date", "nope")).toThrow("dim_date has no column nope");
  });
});
