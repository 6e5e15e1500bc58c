import { freshDatabase } from "@etl/local-cloud/testing";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FileRuleSchema } from "../../src/rules/file-rule";
import { createFileRulesRepository, RULES_TABLE } from "../../src/rules/rules-repository";
import { qualified } from "../../src/sql";

let pool: pg.Pool;

beforeAll(async () => {
  pool = new pg.Pool({ connectionString: await freshDatabase("rules"), max: 2 });
});

afterAll(async () => {
  await pool.end();
});

const rule = (name: string, keyGlob: string, priority: number) =>
  FileRuleSchema.parse({
    name,
    keyGlob,
    priority,
    format: "csv",
    target: { schema: "landed", table: name },
    columns: [{ name: "id" }],
  });

describe("createFileRulesRepository on PostgreSQL", () => {
  it("knows no rule, and matches none, before the rules table exists", async () => {
    const rules = createFileRulesRepository(pool, { schema: "no_rules_yet" });

    expect(await rules.list()).toEqual([]);
    expect(await rules.match("landing/sales/a.csv")).toEqual({ kind: "none" });
  });

  it("adds, replaces, lists in priority order, disables and matches rules", async () => {
    const rules = createFileRulesRepository(pool, { schema: "rules_crud" });
    await rules.ensureTable();
    await rules.ensureTable();

    await rules.upsert(rule("general", "landing/sales/**", 100));
    await rules.upsert(rule("eu", "landing/sales/eu/*.csv", 50));
    await rules.upsert({ ...rule("eu", "landing/sales/eu/*.csv", 10), headerLines: 1 });
    const disabled = await rules.disable("eu");
    const missing = await rules.disable("nothing");

    expect((await rules.list()).map((r) => [r.name, r.priority, r.active])).toEqual([
      ["eu", 10, false],
      ["general", 100, true],
    ]);
    expect((await rules.list({ activeOnly: true })).map((r) => r.name)).toEqual(["general"]);
    expect(disabled).toBe(true);
    expect(missing).toBe(false);
    expect(await rules.get("eu")).toMatchObject({
      name: "eu",
      active: false,
      rule: { active: false, headerLines: 1 },
    });
    expect(await rules.get("nothing")).toBeUndefined();
    const found = await rules.match("landing/sales/eu/x.csv");
    expect(found.kind === "matched" ? found.rule.name : found.kind).toBe("general");
  });

  it("reports a stored rule that no longer validates, and stops matching at it", async () => {
    const rules = createFileRulesRepository(pool, { schema: "rules_broken" });
    await rules.ensureTable();
    await rules.upsert(rule("fallback", "landing/**", 100));
    // An edit made in SQL, around `etl rules add`: the definition loses its columns.
    await pool.query(
      `insert into ${qualified("rules_broken", RULES_TABLE)} ("name", "key_glob", "priority", "active", "definition", "updated_at")
       values ('broken', 'landing/sales/*.csv', 1, true, '{"format":"csv"}'::jsonb, now()),
              ('not_an_object', 'landing/other/*.csv', 2, true, '"text"'::jsonb, now())`,
    );

    const broken = await rules.get("broken");
    const found = await rules.match("landing/sales/a.csv");

    expect(broken?.rule).toBeUndefined();
    expect(broken?.problems?.length).toBeGreaterThan(0);
    expect(found).toMatchObject({ kind: "invalid", name: "broken" });
    expect((await rules.get("not_an_object"))?.problems?.length).toBeGreaterThan(0);
  });

  it("passes on a database failure other than a missing table", async () => {
    // A table of that name that is not the rules table: its columns are missing.
    await pool.query("create schema rules_foreign; create table rules_foreign.file_rules (id int)");
    const rules = createFileRulesRepository(pool, { schema: "rules_foreign" });

    await expect(rules.list()).rejects.toMatchObject({ code: "42703" });
  });
});
