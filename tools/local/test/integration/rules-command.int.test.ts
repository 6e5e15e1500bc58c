import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cloud, freshDatabase, localS3Env } from "@etl/local-cloud/testing";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { parse } from "../../src/cli/command";
import { rules } from "../../src/cli/commands/rules";

const dir = mkdtempSync(join(tmpdir(), "etl-rules-"));
const saved = { ...process.env };

beforeAll(async () => {
  const c = cloud();
  Object.assign(process.env, {
    DATABASE_URL: c.databaseUrl,
    WAREHOUSE_URL: await freshDatabase("rules"),
    S3_ENDPOINT: c.s3Endpoint,
    ...localS3Env(),
    DYNAMODB_ENDPOINT: c.dynamodbEndpoint,
  });
});
afterAll(() => {
  process.env = saved;
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `etl rules ...` in this process and returns its exit code and what it printed. */
async function etlRules(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const capture = (into: string[]) => (chunk: string | Uint8Array) => {
    into.push(String(chunk));
    return true;
  };
  const stdout = vi.spyOn(process.stdout, "write").mockImplementation(capture(out));
  const stderr = vi.spyOn(process.stderr, "write").mockImplementation(capture(err));
  try {
    const code = await rules.run(parse(rules, [...argv, "--data-dir", dir]));
    return { code, out: out.join(""), err: err.join("") };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

describe("etl rules", () => {
  it("adds rules from a YAML file, lists them, explains a key and disables a rule", async () => {
    const file = join(dir, "rules.yaml");
    writeFileSync(
      file,
      [
        "- name: exchange_rates",
        '  keyGlob: "landing/rates/*.csv"',
        "  format: csv",
        "  headerLines: 1",
        "  target: { schema: landed, table: exchange_rates }",
        "  columns: [{ name: currency_code }, { name: rate_to_gbp }, { name: as_of }]",
        "  writeMode: merge",
        "  mergeKeys: [currency_code]",
      ].join("\n"),
    );

    const added = await etlRules("add", "--file", file);
    const listed = await etlRules("list");
    const json = await etlRules("list", "--json");
    const tested = await etlRules("test", "landing/rates/2026-11-23.csv");
    const unmatched = await etlRules("test", "landing/other/x.csv");
    const disabled = await etlRules("disable", "exchange_rates");
    const afterDisable = await etlRules("list");

    expect(added.code).toBe(0);
    expect(listed.out).toMatch(/exchange_rates\s+active/);
    expect(JSON.parse(json.out)).toMatchObject([
      { name: "exchange_rates", active: true, keyGlob: "landing/rates/*.csv", rule: { writeMode: "merge" } },
    ]);
    expect(tested.out).toContain("landing/rates/2026-11-23.csv -> rule exchange_rates");
    expect(tested.out).toContain("merge on currency_code -> landed.exchange_rates");
    expect(unmatched.out).toMatch(/no (active )?rule/i);
    expect(disabled.code).toBe(0);
    expect(afterDisable.out).toContain("no active rules");
  });

  it("refuses a rules file with an invalid rule and adds nothing", async () => {
    const file = join(dir, "bad.yaml");
    writeFileSync(file, '- name: "bad name; drop"\n  keyGlob: "landing/x/*"\n  format: csv\n');

    const result = await etlRules("add", "--file", file);
    const listed = await etlRules("list", "--all");

    expect(result.code).toBe(1);
    expect(result.err).toMatch(/bad\.yaml/);
    expect(result.err).toMatch(/name/);
    expect(listed.out).not.toContain("bad name");
  });

  it.each([
    [[], /^usage: etl rules list/],
    [["list", "extra", "more"], /^usage: etl rules list/],
    [["add"], /^etl rules add: --file rules\.yaml\|rules\.json is required$/m],
    [["disable"], /^etl rules disable: name the rule$/m],
    [["test"], /^etl rules test: give an object key, e\.g\. landing\/sales\/2026-11-23\.csv$/m],
    [["drop"], /^etl rules: unknown action "drop"$/m],
  ])("refuses %j with exit 2 and says why", async (argv, message) => {
    const result = await etlRules(...argv);

    expect(result.code).toBe(2);
    expect(result.err).toMatch(message);
  });

  it("says a rule was replaced when added again, and refuses to disable an unknown rule", async () => {
    const file = join(dir, "gzip.yaml");
    writeFileSync(
      file,
      [
        "- name: gz_rates",
        '  keyGlob: "landing/gz/*.csv.gz"',
        "  format: csv",
        "  compression: gzip",
        "  target: { schema: landed, table: gz_rates }",
        "  columns: [{ name: code }]",
        "  writeMode: append",
      ].join("\n"),
    );

    const first = await etlRules("add", "--file", file);
    const again = await etlRules("add", "--file", file);
    const listed = await etlRules("list");
    const unknown = await etlRules("disable", "no_such_rule");

    expect(first.out).toMatch(/^added {4}gz_rates\s+landing\/gz\/\*\.csv\.gz$/m);
    expect(again.out).toMatch(/^replaced gz_rates\s+landing\/gz\/\*\.csv\.gz$/m);
    expect(listed.out).toMatch(
      /gz_rates\s+active\s+\d+\s+landing\/gz\/\*\.csv\.gz\s+csv\+gzip {2}append -> landed\.gz_rates/,
    );
    expect(unknown.code).toBe(1);
    expect(unknown.err).toBe("no rule named no_such_rule\n");
  });

  it("explains a split rule and a JSON Lines rule with a trailer: where the parts go, what is loaded", async () => {
    const file = join(dir, "split.yaml");
    writeFileSync(
      file,
      [
        "- name: multi_split",
        '  keyGlob: "landing/multi/*.txt"',
        "  format: fixed_width",
        "  headerLines: 0",
        "  split: { start: 1, end: 2, to: landing/multi-parts/ }",
        "- name: events_jsonl",
        '  keyGlob: "landing/events/*.jsonl"',
        "  format: jsonl",
        "  trailer: { start: 1, end: 6 }",
        "  target: { schema: landed, table: events }",
        "  columns: [{ name: id, source: id }]",
      ].join("\n"),
    );

    const added = await etlRules("add", "--file", file);
    const split = await etlRules("test", "landing/multi/a.txt");
    const jsonl = await etlRules("test", "landing/events/a.jsonl");

    expect(added.err).toBe("");
    expect(added.code).toBe(0);
    expect(split.code).toBe(0);
    expect(split.out).toContain("  load         split by 1:2 -> landing/multi-parts/<type>/\n");
    expect(jsonl.code).toBe(0);
    expect(jsonl.out).toContain("  trailer      record count at 1:6 of the last line\n");
    expect(jsonl.out).toContain("  load         append -> landed.events\n");
  });

  it("lists a stored rule that no longer validates as INVALID with exit 1, and explains a key it matches as such", async () => {
    const client = new pg.Client({ connectionString: process.env.WAREHOUSE_URL });
    await client.connect();
    try {
      await etlRules("list");
      await client.query(
        "insert into etl_control.file_rules (name, key_glob, priority, definition) values ($1, $2, $3, $4)",
        ["broken", "landing/broken/*.csv", 1, JSON.stringify({ name: "broken", format: "xml" })],
      );
    } finally {
      await client.end();
    }

    const listed = await etlRules("list", "--all");
    const json = await etlRules("list", "--json");
    const tested = await etlRules("test", "landing/broken/a.csv");

    expect(listed.code).toBe(1);
    expect(listed.out).toMatch(/^broken\s+active\s+1\s+landing\/broken\/\*\.csv\s+INVALID: \S/m);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.out)).toContainEqual(
      expect.objectContaining({ name: "broken", problems: expect.any(Array) }),
    );
    expect(tested.code).toBe(1);
    expect(tested.out).toMatch(/^landing\/broken\/a\.csv -> rule broken, which is INVALID: \S/);
  });

  it("says there are no rules at all when the rules schema holds none", async () => {
    process.env.FILE_RULES_SCHEMA = "etl_control_empty";
    try {
      const all = await etlRules("list", "--all");

      expect(all).toEqual({ code: 0, out: "no rules\n", err: "" });
    } finally {
      delete process.env.FILE_RULES_SCHEMA;
    }
  });
});
