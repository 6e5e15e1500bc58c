import { describe, expect, it } from "vitest";
import { z } from "zod";
import { RawTableEntrySchema } from "./manifest";
import { SourceNumericSchema, sourceColumns } from "./source";
import {
  type CatalogColumn,
  compareSourceSchema,
  describeBrokenColumns,
  postgresTypeOf,
  SOURCE_COLUMN_TYPES,
} from "./source-drift";
import { SOURCE_TABLE_NAMES, type SourceTable } from "./tables";

/** The catalog of a source exactly as the contract describes it. */
function contractCatalog(tables: readonly SourceTable[] = SOURCE_TABLE_NAMES): CatalogColumn[] {
  return tables.flatMap((table) =>
    Object.entries(SOURCE_COLUMN_TYPES[table]).map(([column, type]) => ({ table, column, type })),
  );
}

describe("SOURCE_COLUMN_TYPES", () => {
  it("lists every contract column in schema order", () => {
    for (const table of SOURCE_TABLE_NAMES) {
      expect(Object.keys(SOURCE_COLUMN_TYPES[table])).toEqual(sourceColumns(table));
    }
  });

  it.each([
    ["sales_order", "sales_order_id", "integer"],
    ["sales_order", "unit_price", "numeric"],
    ["sales_order", "agreed_delivery_date", "character varying"],
    ["sales_order", "last_updated", "timestamp without time zone"],
    ["payment", "paid", "boolean"],
    ["transaction", "transaction_type", "character varying"],
    ["transaction", "sales_order_id", "integer"],
    ["address", "address_line_2", "character varying"],
  ] as const)("%s.%s is %s", (table, column, type) => {
    expect(SOURCE_COLUMN_TYPES[table][column]).toBe(type);
  });
});

describe("postgresTypeOf", () => {
  it("sees through optional and nullable, as a column carried later is declared", () => {
    expect(postgresTypeOf(SourceNumericSchema.nullable().optional())).toBe("numeric");
    expect(postgresTypeOf(z.string().nullable())).toBe("character varying");
  });
});

describe("compareSourceSchema", () => {
  it("finds nothing when the source is the contract", () => {
    expect(compareSourceSchema(contractCatalog(), SOURCE_TABLE_NAMES)).toEqual({
      added: {},
      broken: [],
      newTables: [],
    });
  });

  it("reports an added column of a table read, with its type", () => {
    const catalog = [
      ...contractCatalog(),
      { table: "sales_order", column: "discount_rate", type: "numeric" },
    ];

    const drift = compareSourceSchema(catalog, SOURCE_TABLE_NAMES);

    expect(drift.added).toEqual({ sales_order: [{ name: "discount_rate", type: "numeric" }] });
    expect(drift.broken).toEqual([]);
  });

  it("reports a dropped column and a retyped one with the old and new type", () => {
    const catalog = contractCatalog()
      .filter((c) => !(c.table === "staff" && c.column === "email_address"))
      .map((c) => (c.table === "sales_order" && c.column === "units_sold" ? { ...c, type: "numeric" } : c));

    const drift = compareSourceSchema(catalog, SOURCE_TABLE_NAMES);

    expect(drift.broken).toEqual([
      { table: "staff", column: "email_address", expected: "character varying" },
      { table: "sales_order", column: "units_sold", expected: "integer", actual: "numeric" },
    ]);
  });

  it("reports a rename as the old column gone and the new one added", () => {
    const catalog = contractCatalog(["currency"]).map((c) =>
      c.column === "currency_code" ? { ...c, column: "code" } : c,
    );

    const drift = compareSourceSchema(catalog, ["currency"]);

    expect(drift.broken).toEqual([
      { table: "currency", column: "currency_code", expected: "character varying" },
    ]);
    expect(drift.added).toEqual({ currency: [{ name: "code", type: "character varying" }] });
  });

  it("compares only the tables the run reads", () => {
    const catalog = [...contractCatalog(), { table: "design", column: "colour", type: "text" }];

    expect(compareSourceSchema(catalog, ["currency"]).added).toEqual({});
  });

  it("reports a table outside the allow-list, but not the ORM's migration ledger", () => {
    const catalog = [
      ...contractCatalog(),
      { table: "refund", column: "refund_id", type: "integer" },
      { table: "_prisma_migrations", column: "id", type: "character varying" },
    ];

    expect(compareSourceSchema(catalog, SOURCE_TABLE_NAMES).newTables).toEqual(["refund"]);
  });
});

describe("describeBrokenColumns", () => {
  it("names table, column, old and new type and what to do", () => {
    const text = describeBrokenColumns([
      { table: "sales_order", column: "units_sold", expected: "integer", actual: "numeric" },
      { table: "staff", column: "email_address", expected: "character varying" },
    ]);

    expect(text).toContain("sales_order.units_sold changed type from integer to numeric");
    expect(text).toContain("staff.email_address (character varying) is gone");
    expect(text).toContain("Restore the column");
    expect(text).toContain("watermarks did not move");
  });
});

describe("RawTableEntrySchema.addedColumns", () => {
  const entry = {
    table: "sales_order",
    files: [{ key: "k", rows: 1, bytes: 1, sha256: "0".repeat(64) }],
    rows: 1,
    bytes: 1,
    watermark: { from: null, to: "2024-01-01 00:00:00.000000" },
  };

  it("is optional, so older manifests still parse", () => {
    expect(RawTableEntrySchema.parse(entry)).toEqual(entry);
  });

  it("declares the columns the transform ignores", () => {
    const drifted = { ...entry, addedColumns: [{ name: "discount_rate", type: "numeric" }] };

    expect(RawTableEntrySchema.parse(drifted).addedColumns).toEqual([
      { name: "discount_rate", type: "numeric" },
    ]);
  });
});

describe("RawTableEntrySchema.keyRange", () => {
  const entry = {
    table: "sales_order",
    files: [{ key: "k", rows: 1, bytes: 1, sha256: "0".repeat(64) }],
    rows: 1,
    bytes: 1,
    watermark: { from: null, to: "2024-01-01 00:00:00.000000" },
  };

  it("says which key range of a first snapshot the entry holds", () => {
    const ranged = { ...entry, keyRange: { after: null, upTo: 60_000, last: false } };
    expect(RawTableEntrySchema.parse(ranged).keyRange).toEqual({ after: null, upTo: 60_000, last: false });
  });

  it("refuses a range without its end", () => {
    expect(() => RawTableEntrySchema.parse({ ...entry, keyRange: { after: 10, last: true } })).toThrow();
  });
});
