import { type ColumnSpec, SOURCE_TABLE_NAMES, STAR_TABLE_NAMES, sourceColumns } from "@etl/schemas";
import { describe, expect, it } from "vitest";
import { sqlType } from "./column-type";
import { controlDdl, redshiftControlDdl } from "./control";
import {
  OLTP_TABLES,
  oltpDdl,
  oltpForeignKeys,
  oltpIndexDdl,
  oltpPrimaryKey,
  oltpTableDdl,
  oltpValidateForeignKeys,
} from "./oltp";
import { redshiftWarehouseDdl, warehouseDdl } from "./warehouse";

describe("sqlType", () => {
  it.each([
    [{ name: "a", type: "int", nullable: false }, "integer", "integer"],
    [{ name: "a", type: "bigint", nullable: false }, "bigint", "bigint"],
    [{ name: "a", type: "text", nullable: true }, "text", "varchar(1024)"],
    [{ name: "a", type: "date", nullable: false }, "date", "date"],
    [{ name: "a", type: "time", nullable: false }, "time", "time"],
    [{ name: "a", type: "boolean", nullable: false }, "boolean", "boolean"],
    [
      { name: "a", type: "decimal", precision: 10, scale: 2, nullable: false },
      "numeric(10,2)",
      "numeric(10,2)",
    ],
  ] as [ColumnSpec, string, string][])("%j is %s / %s", (spec, postgres, redshift) => {
    expect([sqlType(spec, "postgres"), sqlType(spec, "redshift")]).toEqual([postgres, redshift]);
  });

  it("refuses a decimal without precision", () => {
    expect(() => sqlType({ name: "x", type: "decimal", nullable: false }, "postgres")).toThrow(
      "decimal column x needs a precision and a scale",
    );
  });
});

describe("warehouse DDL", () => {
  it("creates the schema, then every star table in load order, idempotently", () => {
    const statements = warehouseDdl();
    const creates = statements.slice(1, 1 + STAR_TABLE_NAMES.length);

    expect(statements[0]).toBe('create schema if not exists "warehouse"');
    expect(creates.map((s) => /"warehouse"\."(\w+)"/.exec(s)?.[1])).toEqual([...STAR_TABLE_NAMES]);
    expect(creates.every((s) => s.startsWith("create table if not exists "))).toBe(true);
  });

  it("adds source_updated_at and the deletion columns to an older warehouse, additively", () => {
    const added = warehouseDdl().slice(1 + STAR_TABLE_NAMES.length);

    expect(added).toEqual(
      STAR_TABLE_NAMES.filter((t) => t !== "dim_date").flatMap((t) => [
        ...(t.startsWith("dim_")
          ? [`alter table "warehouse"."${t}" add column if not exists "source_updated_at" timestamp`]
          : []),
        `alter table "warehouse"."${t}" add column if not exists "is_deleted" boolean default false not null`,
        `alter table "warehouse"."${t}" add column if not exists "deleted_at" timestamp`,
      ]),
    );
  });

  it("builds identifiers only through quoteIdent, so a bad schema name is refused", () => {
    expect(() => warehouseDdl('warehouse"; drop table x; --')).toThrow("refused SQL identifier");
  });

  it("matches the PostgreSQL snapshot", () => {
    expect(warehouseDdl().join(";\n\n")).toMatchSnapshot();
  });

  it("matches the Redshift snapshot", () => {
    expect(redshiftWarehouseDdl().join(";\n\n")).toMatchSnapshot();
  });

  it("declares no foreign keys in Redshift but keeps the natural key", () => {
    const facts = redshiftWarehouseDdl("dw").filter((s) => s.includes('"fact_'));

    expect(facts.some((s) => s.includes("foreign key"))).toBe(false);
    expect(facts.every((s) => s.includes("identity(1,1)") && s.includes("_natural_key"))).toBe(true);
  });
});

describe("control DDL", () => {
  it("matches the PostgreSQL and Redshift snapshots", () => {
    expect(controlDdl().join(";\n\n")).toMatchSnapshot();
    expect(redshiftControlDdl().join(";\n\n")).toMatchSnapshot();
  });
});

describe("OLTP DDL", () => {
  it.each(SOURCE_TABLE_NAMES)("%s has the source schema's columns in the real order", (table) => {
    expect(OLTP_TABLES[table].map((c) => c.name)).toEqual(sourceColumns(table));
  });

  it("quotes the table named transaction and creates _prisma_migrations", () => {
    const statements = oltpTableDdl();

    expect(statements.some((s) => s.startsWith('create table if not exists "public"."transaction" ('))).toBe(
      true,
    );
    expect(statements.some((s) => s.includes('"public"."_prisma_migrations"'))).toBe(true);
  });

  it("is tables then foreign keys and indexes", () => {
    expect(oltpDdl("totesys")).toEqual([...oltpTableDdl("totesys"), ...oltpIndexDdl("totesys")]);
  });

  it("matches the snapshot", () => {
    expect(oltpDdl().join(";\n\n")).toMatchSnapshot();
  });

  it("can leave the primary keys and the foreign key checks for after a bulk load", () => {
    const bare = oltpTableDdl("public", { primaryKeys: false });

    expect(
      bare.filter((s) => s.includes("primary key")).map((s) => /"public"\."(\w+)"/.exec(s)?.[1]),
    ).toEqual(["_prisma_migrations"]);
    expect(oltpPrimaryKey("public", "transaction")).toBe(
      'alter table "public"."transaction" add constraint "transaction_pkey" primary key ("transaction_id")',
    );
    expect(oltpForeignKeys("public", "staff", { validate: false })).toBe(
      'alter table "public"."staff" drop constraint if exists "staff_department_id_fkey", add constraint "staff_department_id_fkey" foreign key ("department_id") references "public"."department" ("department_id") not valid',
    );
    expect(oltpValidateForeignKeys("public", "transaction")).toEqual([
      'alter table "public"."transaction" validate constraint "transaction_sales_order_id_fkey"',
      'alter table "public"."transaction" validate constraint "transaction_purchase_order_id_fkey"',
    ]);
    expect(oltpForeignKeys("public", "address")).toBeUndefined();
  });
});
