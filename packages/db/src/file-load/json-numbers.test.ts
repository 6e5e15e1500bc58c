import { describe, expect, it } from "vitest";
import { impreciseNumbers, isImpreciseNumber } from "./json-numbers";

describe("isImpreciseNumber", () => {
  it.each([
    ["9007199254740991", false],
    ["-9007199254740991", false],
    ["9007199254740992", true],
    ["9007199254740993", true],
    ["-9007199254740993", true],
    ["12.50", false],
    ["0.1", false],
    ["1.5e3", false],
    ["1e21", false],
    ["0.12345678901234567891", true],
    ["123456789012345.5", false],
    ["12345678901234567.5", true],
    ["1e400", true],
    ["1e-400", true],
    ["0.000", false],
  ])("%s: %s", (token, expected) => {
    expect(isImpreciseNumber(token)).toBe(expected);
  });
});

describe("impreciseNumbers", () => {
  it("finds each imprecise token with its top-level key, direct or nested, and its place in the text", () => {
    const text =
      '{"a": 1, "b\\"q": 9007199254740993, "s": "12345678901234567890", "n": {"x": [1, -12345678901234567890]}}';

    const found = impreciseNumbers(text);

    expect(found).toEqual([
      { key: 'b"q', direct: true, text: "9007199254740993", start: 17, end: 33 },
      { key: "n", direct: false, text: "-12345678901234567890", start: 79, end: 100 },
    ]);
    for (const f of found) expect(text.slice(f.start, f.end)).toBe(f.text);
  });

  it("finds nothing in a record without long numbers", () => {
    expect(impreciseNumbers('{"id": 8, "amount": "5.55", "list": [1, 2]}')).toEqual([]);
  });
});
