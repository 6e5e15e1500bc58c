import { DataError, messageOf } from "@etl/schemas";
import { parse as parseYaml } from "yaml";
import { type FileRule, FileRuleSchema, ruleProblems } from "./file-rule";

/**
 * Rules from a YAML or JSON document: a list of rules, or `{ rules: [...] }`, or one rule.
 * Every rule is validated; any problem refuses the whole document (a `DataError` naming each
 * rule and field), so a file is loaded all or nothing. Names must be unique in the document.
 *
 * @example
 * const rules = parseRulesDocument(readFileSync("rules.yaml", "utf8"), "rules.yaml");
 */
export function parseRulesDocument(text: string, fileName = "rules"): FileRule[] {
  let document: unknown;
  try {
    // YAML is a superset of JSON: one parser reads both. Aliases are refused so a small file
    // cannot expand into a huge one.
    document = fileName.endsWith(".json") ? JSON.parse(text) : parseYaml(text, { maxAliasCount: 0 });
  } catch (error) {
    throw new DataError(
      `${fileName} is not valid ${fileName.endsWith(".json") ? "JSON" : "YAML"}: ${messageOf(error)}`,
      {
        code: "BAD_RULES_FILE",
      },
    );
  }
  const items: unknown[] = Array.isArray(document)
    ? document
    : typeof document === "object" &&
        document !== null &&
        Array.isArray((document as { rules?: unknown }).rules)
      ? (document as { rules: unknown[] }).rules
      : [document];
  const rules: FileRule[] = [];
  const problems: string[] = [];
  const names = new Set<string>();
  items.forEach((item, i) => {
    const parsed = FileRuleSchema.safeParse(item);
    const label =
      typeof item === "object" && item !== null && typeof (item as { name?: unknown }).name === "string"
        ? `rule ${(item as { name: string }).name}`
        : `rule #${i + 1}`;
    if (!parsed.success) {
      for (const problem of ruleProblems(parsed.error)) problems.push(`${label}: ${problem}`);
      return;
    }
    if (names.has(parsed.data.name)) problems.push(`${label}: the name is used twice`);
    names.add(parsed.data.name);
    rules.push(parsed.data);
  });
  if (items.length === 0) problems.push("the document holds no rules");
  if (problems.length > 0) {
    throw new DataError(`${fileName} has invalid rules:\n  ${problems.join("\n  ")}`, {
      code: "BAD_RULES_FILE",
    });
  }
  return rules;
}
