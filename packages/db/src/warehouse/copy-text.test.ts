import type { ColumnType } from "@etl/schemas";
import { DataError } from "@etl/schemas";
import { describe, expect, it } from "vitest";
import { CopyTextWriter, daysToIsoDate, unscaledToDecimalText } from "./copy-text";

function encode(type: ColumnType, values: unknown[], scale?: number): string {
  const writer = new CopyTextWriter(64);
  writer.rows([{ name: "c", type, ...(scale === undefined ? {} : { scale }) }], [values], 0, values.length);
  return Buffer.concat(writer.take()).toString("utf8");
}

describe("CopyTextWriter", () => {
  it.each([
    [
      "int",
      [0, 7, -5, 2147483647, -2147483648, 10_000_000_000],
      "0\n7\n-5\n2147483647\n-2147483648\n10000000000\n",
    ],
    ["bigint", [9007199254740993n, 12, -3n], "9007199254740993\n12\n-3\n"],
    ["boolean", [true, false], "t\nf\n"],
    ["date", [0, 19299, -1], "1970-01-01\n2022-11-03\n1969-12-31\n"],
    ["time", ["14:20:49.962000"], "14:20:49.962000\n"],
    [
      "text",
      ["plain", "tab\there", "line\nbreak", "cr\rx", "back\\slash", ""],
      "plain\ntab\\there\nline\\nbreak\ncr\\rx\nback\\\\slash\n\n",
    ],
    ["text", ["Café\tau lait", "日本\\語"], "Café\\tau lait\n日本\\\\語\n"],
    ["text", [null, undefined], "\\N\n\\N\n"],
  ] as [ColumnType, unknown[], string][])("encodes %s values (case %#)", (type, values, expected) => {
    const text = encode(type, values);

    expect(text).toBe(expected);
  });

  it.each([
    [350, 2, "3.50"],
    [5, 2, "0.05"],
    [-5, 2, "-0.05"],
    [-1234, 2, "-12.34"],
    [0, 2, "0.00"],
    [42, 0, "42"],
    [123456789012345678901234567890n, 4, "12345678901234567890123456.7890"],
    [new Uint8Array([0x01, 0x5e]), 2, "3.50"],
    [new Uint8Array([0xff, 0xfb]), 2, "-0.05"],
  ] as [number | bigint | Uint8Array, number, string][])(
    "formats unscaled %s at scale %i as %s",
    (unscaled, scale, text) => {
      expect(unscaledToDecimalText(unscaled, scale)).toBe(text);
      expect(encode("decimal", [unscaled], scale)).toBe(`${text}\n`);
    },
  );

  it("writes rows of several columns separated by tabs, with NULL as \\N", () => {
    const writer = new CopyTextWriter();

    writer.rows(
      [
        { name: "id", type: "int" },
        { name: "line_2", type: "text" },
        { name: "price", type: "decimal", scale: 2 },
      ],
      [
        [1, 2],
        ["a", null],
        [350, 1999],
      ],
      0,
      2,
    );

    expect(Buffer.concat(writer.take()).toString()).toBe("1\ta\t3.50\n2\t\\N\t19.99\n");
  });

  it("splits output into chunks no bigger than the chunk size, unless one value needs more", () => {
    const writer = new CopyTextWriter(16);
    const values = Array.from({ length: 10 }, (_, i) => `value-${i}`);

    writer.rows([{ name: "t", type: "text" }], [values], 0, values.length);
    const chunks = writer.take();

    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.every((c) => c.length <= 16)).toBe(true);
    expect(Buffer.concat(chunks).toString()).toBe(`${values.join("\n")}\n`);
    expect(writer.take()).toEqual([]);
  });

  it("writes a line of untyped values: integers, booleans, text with escapes, NULL", () => {
    const writer = new CopyTextWriter();

    writer.values([-4, 2.5, true, null, "a\tb"]);

    expect(Buffer.concat(writer.take()).toString()).toBe("-4\t2.5\tt\t\\N\ta\\tb\n");
  });

  it("refuses a fractional number in an integer column", () => {
    expect(() => encode("int", [1.5])).toThrow(DataError);
  });

  it("refuses a decimal that is not an exact unscaled integer", () => {
    expect(() => unscaledToDecimalText(3.5, 2)).toThrow("not an exact unscaled integer");
  });

  it.each([
    [0, "1970-01-01"],
    [-719162, "0001-01-01"],
    [2932896, "9999-12-31"],
  ])("dates day %i as %s", (days, text) => {
    expect(daysToIsoDate(days)).toBe(text);
  });
});
