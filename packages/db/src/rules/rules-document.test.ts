import { DataError } from "@etl/schemas";
import { describe, expect, it } from "vitest";
import { parseRulesDocument } from "./rules-document";

const yaml = `
rules:
  - name: sales_csv
    keyGlob: "landing/sales/*.csv"
    format: csv
    headerLines: 1
    target: { schema: sales, table: orders }
    columns:
      - name: order_id
      - name: amount
  - name: orders_fixed
    keyGlob: "landing/orders/*.txt"
    format: fixed_width
    target: { schema: sales, table: order_lines }
    columns: [{ width: 1 }, { name: line_id, width: 6 }]
`;

describe("parseRulesDocument", () => {
  it("reads a YAML document with a rules list, filling defaults", () => {
    const rules = parseRulesDocument(yaml, "rules.yaml");

    expect(rules.map((r) => [r.name, r.format, r.headerLines, r.writeMode])).toEqual([
      ["sales_csv", "csv", 1, "append"],
      ["orders_fixed", "fixed_width", 0, "append"],
    ]);
  });

  it("reads a JSON list and a single JSON rule", () => {
    const one = {
      name: "events",
      keyGlob: "landing/events/*.jsonl",
      format: "jsonl",
      target: { schema: "s", table: "events" },
      columns: [{ name: "id" }],
    };

    expect(parseRulesDocument(JSON.stringify([one]), "rules.json")).toHaveLength(1);
    expect(parseRulesDocument(JSON.stringify(one), "rules.json")[0]?.name).toBe("events");
  });

  it("refuses the whole document, naming every bad rule and field", () => {
    const text = `
- name: ok
  keyGlob: "landing/a/*"
  format: csv
  target: { schema: s, table: t }
  columns: [{ name: a }]
- name: bad
  keyGlob: "landing/b/*"
  format: parquet
  compression: gzip
  target: { schema: s, table: "t;--" }
  columns: [{ name: a }]
- name: ok
  keyGlob: "landing/c/*"
  format: csv
  target: { schema: s, table: t }
  columns: [{ name: a }]
`;

    const attempt = () => parseRulesDocument(text, "rules.yaml");

    expect(attempt).toThrow(DataError);
    expect(attempt).toThrow(/rule bad: target.table/);
    expect(attempt).toThrow(/rule bad: compression/);
    expect(attempt).toThrow(/rule ok: the name is used twice/);
  });

  it.each([
    ["not YAML", "rules: [", "rules.yaml", /not valid YAML/],
    ["not JSON", "{", "rules.json", /not valid JSON/],
    ["an empty list", "[]", "rules.yaml", /holds no rules/],
    ["YAML aliases", "a: &x [1]\nb: *x\n", "rules.yaml", /not valid YAML/],
  ])("refuses %s", (_, text, name, expected) => {
    expect(() => parseRulesDocument(text, name)).toThrow(expected);
  });
});
