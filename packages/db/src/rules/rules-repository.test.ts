import { describe, expect, it } from "vitest";
import { FileRuleSchema } from "./file-rule";
import { matchRule, type StoredRule } from "./rules-repository";

function stored(name: string, keyGlob: string, priority: number, active = true): StoredRule {
  const rule = FileRuleSchema.parse({
    name,
    keyGlob,
    priority,
    active,
    format: "csv",
    target: { schema: "s", table: "t" },
    columns: [{ name: "a" }],
  });
  return { name, keyGlob, priority, active, updatedAt: new Date(0), rule };
}

describe("matchRule", () => {
  const rules = [
    stored("b_general", "landing/sales/**", 100),
    stored("a_general", "landing/sales/**", 100),
    stored("specific", "landing/sales/eu/*.csv", 10),
    stored("off", "landing/sales/eu/*.csv", 1, false),
  ];

  it.each([
    ["landing/sales/eu/x.csv", "specific"],
    ["landing/sales/us/x.csv", "a_general"],
    ["landing/other/x.csv", undefined],
  ])("%s goes to %s (lowest priority number, then name, inactive skipped)", (key, expected) => {
    const found = matchRule(rules, key);

    expect(found.kind === "matched" ? found.rule.name : undefined).toBe(expected);
  });

  it("stops at an invalid rule that matches instead of falling through to a lower priority", () => {
    const broken: StoredRule = {
      name: "broken",
      keyGlob: "landing/sales/eu/*.csv",
      priority: 5,
      active: true,
      updatedAt: new Date(0),
      problems: ["format: Invalid option"],
    };

    const found = matchRule([...rules, broken], "landing/sales/eu/x.csv");

    expect(found).toEqual({ kind: "invalid", name: "broken", problems: ["format: Invalid option"] });
  });
});
