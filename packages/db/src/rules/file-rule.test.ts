import { describe, expect, it } from "vitest";
import { delimitedOptions, type FileRuleInput, FileRuleSchema, ruleProblems } from "./file-rule";

const csv: FileRuleInput = {
  name: "sales_csv",
  keyGlob: "landing/sales/*.csv",
  format: "csv",
  target: { schema: "sales", table: "orders" },
  columns: [{ name: "order_id" }, { name: "amount" }],
};

function problemsOf(input: unknown): string[] {
  const parsed = FileRuleSchema.safeParse(input);
  return parsed.success ? [] : ruleProblems(parsed.error);
}

describe("FileRuleSchema", () => {
  it("fills in the defaults of a minimal rule", () => {
    const rule = FileRuleSchema.parse(csv);

    expect(rule).toMatchObject({
      priority: 100,
      active: true,
      compression: "none",
      headerLines: 0,
      minBytes: 1,
      writeMode: "append",
      timeZone: "UTC",
      notify: "failure",
      prefixes: { processing: "processing/", archive: "archive/", error: "error/" },
    });
    expect(delimitedOptions(rule)).toEqual({ delimiter: ",", quote: '"', escape: '"' });
  });

  it.each([
    ["a name with a quote", { name: "x'y" }, "name: must be lower-case"],
    ["a target table that is SQL", { target: { schema: "s", table: "t; drop table t" } }, "target.table"],
    ["a column name with a comment marker", { columns: [{ name: "a--" }] }, "columns.0.name"],
    ["a two-character delimiter", { delimiter: "||" }, "delimiter: must be exactly one character"],
    ["a letter as quote", { quote: "q" }, "quote: must be one ASCII character"],
    ["a newline as delimiter", { delimiter: "\n" }, "delimiter: must be one ASCII character"],
    ["a non-ASCII delimiter", { delimiter: "§" }, "delimiter: must be one ASCII character"],
    ["the quote equal to the delimiter", { delimiter: ";", quote: ";" }, "quote: the quote must differ"],
    ["an unknown time zone", { timeZone: "Mars/Olympus" }, "timeZone: must be an IANA time zone"],
    ["a time zone that is SQL", { timeZone: "UTC'; drop" }, "timeZone"],
    ["a follow-up that is not schema.procedure", { followUp: "refresh();drop" }, "followUp"],
    ["an archive prefix under landing/", { prefixes: { archive: "landing/x/" } }, "prefixes.archive"],
    ["merge without keys", { writeMode: "merge" }, "mergeKeys: merge needs the key columns"],
    ["a merge key that is not a column", { writeMode: "merge", mergeKeys: ["id"] }, "merge key id"],
    ["merge keys on append", { mergeKeys: ["order_id"] }, "mergeKeys applies to the merge write mode"],
    ["a column listed twice", { columns: [{ name: "a" }, { name: "a" }] }, "column a is listed twice"],
    ["no target", { target: undefined }, "target: a rule that does not split needs"],
    ["an unknown field", { delimter: ";" }, "Unrecognized key"],
    ["a trailer ending before it starts", { trailer: { start: 5, end: 2 } }, "trailer: end must not be"],
  ])("refuses %s", (_, change, expected) => {
    const found = problemsOf({ ...csv, ...change });

    expect(found.join("\n")).toContain(expected);
  });

  it.each([
    ["fixed width without widths", { format: "fixed_width", columns: [{ name: "a" }] }, "needs its width"],
    ["a delimiter on fixed width", { format: "fixed_width", delimiter: "|" }, "applies to csv and delimited"],
    ["a delimited file without delimiter", { format: "delimited" }, "needs its delimiter"],
    ["gzip Parquet", { format: "parquet", compression: "gzip" }, "compression must be none"],
    ["a Parquet trailer", { format: "parquet", trailer: { start: 1, end: 3 } }, "no trailer"],
    ["JSON Lines filler", { format: "jsonl", columns: [{ name: "a" }, {}] }, "every field needs a column"],
    ["width on CSV", { columns: [{ name: "a", width: 3 }] }, "width applies to fixed-width files only"],
  ])("refuses %s", (_, change, expected) => {
    const found = problemsOf({ ...csv, ...change });

    expect(found.join("\n")).toContain(expected);
  });

  it("accepts a split rule without target, and refuses one whose parts it would take itself", () => {
    const split = {
      name: "orders_split",
      keyGlob: "landing/orders/*.txt",
      format: "fixed_width",
      split: { start: 1, end: 1, to: "landing/orders-split/" },
    };

    expect(problemsOf(split)).toEqual([]);
    expect(problemsOf({ ...split, keyGlob: "landing/**" }).join()).toContain("would match this rule again");
    expect(problemsOf({ ...split, target: { schema: "s", table: "t" } }).join()).toContain("remove target");
  });

  it.each([
    [
      "a header pattern that is not a regular expression",
      { headerLines: 1, headerPattern: "^(order" },
      "headerPattern: must be a regular expression",
    ],
    [
      "a header pattern without header lines",
      { headerPattern: "^order_id," },
      "headerPattern: needs headerLines",
    ],
    [
      "a header pattern on Parquet",
      { format: "parquet", headerPattern: "^x" },
      "headerPattern: needs headerLines",
    ],
    [
      "JSON Lines header lines with nothing to check them against",
      { format: "jsonl", headerLines: 1 },
      "headerLines: nothing to check the header against",
    ],
    [
      "a length tolerance on CSV",
      { lengthTolerance: { shorter: 1 } },
      "lengthTolerance applies to fixed-width",
    ],
    [
      "a negative length tolerance",
      { format: "fixed_width", columns: [{ name: "a", width: 2 }], lengthTolerance: { longer: -1 } },
      "lengthTolerance.longer",
    ],
  ])("refuses %s", (_, change, expected) => {
    const found = problemsOf({ ...csv, ...change });

    expect(found.join("\n")).toContain(expected);
  });

  it("accepts header checks: by the columns, by a pattern, or by a trailer's count when there are no names", () => {
    const split = {
      name: "orders_split",
      keyGlob: "landing/orders/*.txt",
      format: "fixed_width",
      headerLines: 1,
      split: { start: 1, end: 1, to: "landing/orders-split/" },
    };

    expect(problemsOf({ ...csv, headerLines: 1 })).toEqual([]);
    expect(problemsOf({ ...csv, format: "jsonl", headerLines: 1, headerPattern: "^#" })).toEqual([]);
    expect(problemsOf({ ...csv, format: "jsonl", headerLines: 1, trailer: { start: 1, end: 6 } })).toEqual(
      [],
    );
    expect(problemsOf({ ...split, trailer: { start: 9, end: 14 } })).toEqual([]);
    expect(problemsOf(split).join()).toContain("headerLines: nothing to check the header against");
    expect(
      FileRuleSchema.parse({
        ...csv,
        format: "fixed_width",
        columns: [{ name: "a", width: 2 }],
        lengthTolerance: { shorter: 3 },
      }).lengthTolerance,
    ).toEqual({ shorter: 3, longer: 0 });
  });

  it("accepts odd single characters for delimiter, quote and escape", () => {
    const rule = FileRuleSchema.parse({
      ...csv,
      format: "delimited",
      delimiter: "'",
      quote: ";",
      escape: "\\",
    });

    expect(delimitedOptions(rule)).toEqual({ delimiter: "'", quote: ";", escape: "\\" });
  });
});
