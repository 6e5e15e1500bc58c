import { describe, expect, it } from "vitest";
import { asciiToUnscaled, decimalToUnscaled, unscaledFromBigEndian, unscaledToDecimal } from "./decimal";

describe("decimal", () => {
  it.each([
    ["3.5", 10, 2, 350n],
    ["-12.5", 10, 2, -1250n],
    ["0.10", 3, 2, 10n],
    ["12.3400", 4, 2, 1234n],
    ["007", 1, 0, 7n],
  ])("%s at (%i,%i) is %s unscaled, and back", (text, precision, scale, unscaled) => {
    expect(decimalToUnscaled(text, precision, scale)).toBe(unscaled);
    expect(decimalToUnscaled(unscaledToDecimal(unscaled, scale), precision, scale)).toBe(unscaled);
  });

  it.each([
    ["1.234", 10, 2],
    ["123", 2, 0],
    ["abc", 10, 2],
    ["", 10, 2],
  ])("refuses %s at (%i,%i)", (text, precision, scale) => {
    expect(decimalToUnscaled(text, precision, scale)).toBeUndefined();
  });

  it.each([
    [-1234, 2, "-12.34"],
    [5, 2, "0.05"],
    [-5n, 2, "-0.05"],
    [42, 0, "42"],
    [123456789012345678901234567890n, 4, "12345678901234567890123456.7890"],
  ] as const)("writes unscaled %s at scale %i as %s", (unscaled, scale, text) => {
    expect(unscaledToDecimal(unscaled, scale)).toBe(text);
  });

  it("refuses a number that is not an exact unscaled integer", () => {
    expect(() => unscaledToDecimal(3.5, 2)).toThrow("not an exact unscaled integer");
  });

  it.each([
    [[0x04, 0xd2], 1234n],
    [[0xfb, 0x2e], -1234n],
    [[0xff], -1n],
    [[], 0n],
  ])("reads big-endian two's complement %j as %s", (bytes, value) => {
    expect(unscaledFromBigEndian(Uint8Array.from(bytes))).toBe(value);
  });

  it.each([
    "0",
    "-0",
    "0.5",
    "3.5",
    "-12.50",
    "12345678.99",
    "123456789.99",
    "1.230",
    "1.234",
    "00012.1",
    "1.",
    ".5",
    "-",
    "1e3",
    "99999999.999",
  ])("asciiToUnscaled agrees with decimalToUnscaled on %s at (10,2)", (text) => {
    const bytes = new TextEncoder().encode(`"${text}"`);

    const fast = asciiToUnscaled(bytes, 1, bytes.length - 1, 8, 2);
    const exact = decimalToUnscaled(text, 10, 2);

    if (fast !== undefined) expect(BigInt(fast)).toBe(exact);
    if (/^-?\d+(\.\d+)?$/.test(text)) expect(fast === undefined).toBe(exact === undefined);
  });
});
