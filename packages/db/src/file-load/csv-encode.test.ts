import { DataError } from "@etl/schemas";
import { describe, expect, it } from "vitest";
import { csvField, fixedWidthFields, fixedWidthToCsv, jsonLineToCsv, rowToCsv } from "./csv-encode";

describe("csvField", () => {
  it.each([
    [null, ""],
    [undefined, ""],
    ["", '""'],
    ['say "hi", then\nleave', '"say ""hi"", then\nleave"'],
    [12.5, '"12.5"'],
    [12345678901234567890n, '"12345678901234567890"'],
    [true, '"true"'],
    [{ a: [1] }, '"{""a"":[1]}"'],
  ])("csvField(%s) is %s", (value, expected) => {
    expect(csvField(value)).toBe(expected);
  });
});

describe("fixedWidthFields", () => {
  it.each([
    ["D000042 12.50 Straße    ", [1, 6, 6, 10], ["D", "000042", "12.50", "Straße"]],
    ["D000042      ", [1, 6, 6, 10], ["D", "000042", null, null]],
    ["H1", [1, 1], ["H", "1"]],
  ])("%j cut at %j", (record, widths, expected) => {
    expect(fixedWidthFields(record, widths)).toEqual(expected);
  });

  it("writes the fields as one CSV line", () => {
    expect(fixedWidthToCsv("D000042      ", [1, 6, 6])).toBe('"D","000042",\n');
  });
});

describe("jsonLineToCsv", () => {
  it("picks the keys in order, a missing key as NULL, a filler as NULL", () => {
    const line = jsonLineToCsv(
      '{"id": 7, "name": "a,b", "extra": true}',
      ["name", undefined, "id", "missing"],
      1,
    );

    expect(line).toBe('"a,b",,"7",\n');
  });

  it.each([
    ["not JSON", "{id: 1}", /record 3 is not JSON/],
    ["an array", "[1]", /record 3 is not a JSON object/],
    ["null", "null", /record 3 is not a JSON object/],
    [
      "an integer JavaScript would round",
      '{"id": 9007199254740993}',
      /record 3: id is 9007199254740993, which a JSON number cannot carry exactly/,
    ],
  ])("refuses %s", (_, text, expected) => {
    expect(() => jsonLineToCsv(text, ["id"], 3)).toThrow(DataError);
    expect(() => jsonLineToCsv(text, ["id"], 3)).toThrow(expected);
  });
});

it("keeps the digits of a big number sent as a string, and ignores one in a key it does not pick", () => {
  expect(jsonLineToCsv('{"id": "9007199254740993", "x": 9007199254740993}', ["id"], 1)).toBe(
    '"9007199254740993"\n',
  );
});

describe("rowToCsv", () => {
  it("writes a Parquet row's values by source name", () => {
    expect(
      rowToCsv({ id: 1, price: "2.50", day: "2026-11-23", note: null }, ["id", "price", "day", "note"]),
    ).toBe('"1","2.50","2026-11-23",\n');
  });
});
