import { createFileRulesRepository, FileRuleSchema } from "@etl/db/rules";
import { parseRulesDocument } from "@etl/db/rules-file";
import { freshDatabase } from "@etl/local-cloud/testing";
import pg from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fixture } from "./files-support";

let db: pg.Pool;

beforeEach(async () => {
  db = new pg.Pool({ connectionString: await freshDatabase("rules"), max: 2 });
});

afterEach(async () => {
  await db.end();
});

describe("the rules table on the local PostgreSQL", () => {
  it("creates the table idempotently and round-trips every rule of a YAML file, validated when read", async () => {
    const rules = createFileRulesRepository(db, { schema: "rules_test" });
    await rules.ensureTable();
    await rules.ensureTable();
    const document = parseRulesDocument(fixture("rules.yaml").toString("utf8"), "rules.yaml");

    for (const rule of document) await rules.upsert(rule);
    const listed = await rules.list();

    expect(listed.map((r) => r.name)).toEqual([
      "orders_csv",
      "orders_fixed",
      "orders_jsonl",
      "orders_merge",
      "orders_odd",
      "orders_parquet",
      "orders_parts_d",
      "orders_parts_n",
      "orders_replace",
      "orders_split",
    ]);
    expect(listed.every((r) => r.problems === undefined)).toBe(true);
    expect(listed.find((r) => r.name === "orders_odd")?.rule).toEqual(
      document.find((r) => r.name === "orders_odd"),
    );
  });

  it("matches by glob and priority, skips disabled rules, and replaces a rule by name", async () => {
    const rules = createFileRulesRepository(db);
    await rules.ensureTable();
    const base = {
      format: "csv",
      target: { schema: "s", table: "t" },
      columns: [{ name: "a" }],
    } as const;
    await rules.upsert(
      FileRuleSchema.parse({ ...base, name: "general", keyGlob: "landing/sales/**", priority: 100 }),
    );
    await rules.upsert(
      FileRuleSchema.parse({ ...base, name: "eu", keyGlob: "landing/sales/eu/*.csv", priority: 10 }),
    );

    const before = await rules.match("landing/sales/eu/a.csv");
    const disabled = await rules.disable("eu");
    const after = await rules.match("landing/sales/eu/a.csv");
    await rules.upsert(
      FileRuleSchema.parse({ ...base, name: "general", keyGlob: "landing/other/*", priority: 100 }),
    );
    const replaced = await rules.match("landing/sales/eu/a.csv");

    expect(before).toMatchObject({ kind: "matched", rule: { name: "eu" } });
    expect(disabled).toBe(true);
    expect(await rules.disable("nope")).toBe(false);
    expect(after).toMatchObject({ kind: "matched", rule: { name: "general" } });
    expect(replaced).toEqual({ kind: "none" });
    expect((await rules.get("eu"))?.active).toBe(false);
    expect((await rules.list({ activeOnly: true })).map((r) => r.name)).toEqual(["general"]);
  });

  it("reports a row edited by hand into an invalid rule, with its problems, instead of using it", async () => {
    const rules = createFileRulesRepository(db);
    await rules.ensureTable();
    await db.query(
      `insert into etl_control.file_rules (name, key_glob, priority, active, definition) values ($1, $2, 1, true, $3)`,
      [
        "hand_edited",
        "landing/x/*",
        JSON.stringify({ format: "csv", delimiter: ";;", target: { schema: "s", table: "t" } }),
      ],
    );

    const [stored] = await rules.list();
    const match = await rules.match("landing/x/a.csv");

    expect(stored?.rule).toBeUndefined();
    expect(stored?.problems).toEqual([
      "delimiter: must be exactly one character",
      "columns: list the file's fields in order",
    ]);
    expect(match).toMatchObject({ kind: "invalid", name: "hand_edited" });
  });
});
