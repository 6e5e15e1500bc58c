import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { charLength, charsAt, fitLength, isBlank, readRecords, splitFields } from "./records";

async function records(chunks: string[], options = {}): Promise<string[]> {
  const found: string[] = [];
  for await (const record of readRecords(Readable.from(chunks), options)) found.push(record.toString("utf8"));
  return found;
}

describe("readRecords", () => {
  it.each([
    ["plain lines", ["a\nb\n"], {}, ["a", "b"]],
    ["CRLF and no final newline", ["a\r\nb"], {}, ["a", "b"]],
    ["records across chunks", ["ab", "c\nd", "e\n"], {}, ["abc", "de"]],
    ["a quoted newline", ['1,"x\ny"\n2,z\n'], { quote: '"' }, ['1,"x\ny"', "2,z"]],
    ["a doubled quote", ['1,"say ""hi""\n"\n'], { quote: '"' }, ['1,"say ""hi""\n"']],
    ["a quote split across chunks", ['1,"x', '\ny"\n2\n'], { quote: '"' }, ['1,"x\ny"', "2"]],
    [
      "an escaped quote",
      ["1;'O\\'Brien\n';2\n3\n"],
      { quote: "'", escape: "\\" },
      ["1;'O\\'Brien\n';2", "3"],
    ],
    ["a blank line", ["a\n\nb\n"], {}, ["a", "", "b"]],
  ])("splits %s", async (_, chunks, options, expected) => {
    expect(await records(chunks, options)).toEqual(expected);
  });
});

describe("charsAt and isBlank", () => {
  it.each([
    ["TRAILER 000003", 9, 14, "000003"],
    ["Dé12", 2, 3, "é1"],
    ["D", 1, 5, "D"],
  ])("%s at %i:%i is %s", (text, start, end, expected) => {
    expect(charsAt(Buffer.from(text), start, end)).toBe(expected);
  });

  it.each([
    ["", true],
    [" \t ", true],
    [" x", false],
  ])("%j is blank: %s", (text, expected) => {
    expect(isBlank(Buffer.from(text))).toBe(expected);
  });
});

describe("splitFields", () => {
  it.each([
    ["plain", "a,b,c", { delimiter: ",", quote: '"', escape: '"' }, ["a", "b", "c"]],
    [
      "quoted delimiter and doubled quote",
      '"a,b","say ""hi""",',
      { delimiter: ",", quote: '"', escape: '"' },
      ["a,b", 'say "hi"', ""],
    ],
    ["odd characters", ";x'y;'\\;z", { delimiter: "'", quote: ";", escape: "\\" }, ["x'y", "\\z"]],
    ["an escape inside quotes", ";a\\;b;'c", { delimiter: "'", quote: ";", escape: "\\" }, ["a;b", "c"]],
  ])("%s", (_, record, options, expected) => {
    expect(splitFields(record, options)).toEqual(expected);
  });
});

describe("charLength and fitLength", () => {
  it("count characters, and pad or cut to a length in characters", () => {
    const record = Buffer.from("Straße", "utf8");

    expect(charLength(record)).toBe(6);
    expect(fitLength(record, 8).toString("utf8")).toBe("Straße  ");
    expect(fitLength(record, 5).toString("utf8")).toBe("Straß");
    expect(fitLength(record, 6)).toBe(record);
  });
});
