import type { ColumnType } from "@etl/schemas";
import { DataError } from "@etl/schemas";
import { describe, expect, it } from "vitest";
import { CopyBinaryWriter, NotBinaryEncodable } from "./copy-binary";

function encode(type: ColumnType, values: unknown[], scale?: number): Buffer {
  const writer = new CopyBinaryWriter(32);
  writer.rows([{ name: "c", type, ...(scale === undefined ? {} : { scale }) }], [values], 0, values.length);
  writer.finish();
  return Buffer.concat(writer.take());
}

/** The bytes of the one field of the one row (after the header and the field count). */
function field(type: ColumnType, value: unknown, scale?: number): string {
  const bytes = encode(type, [value], scale);
  return bytes.subarray(19 + 2, bytes.length - 2).toString("hex");
}

describe("CopyBinaryWriter", () => {
  it("writes the header, one field count per row and the trailer", () => {
    const bytes = encode("int", [1, null]);

    expect(bytes.subarray(0, 11).toString("latin1")).toBe("PGCOPY\n\xff\r\n\0");
    expect(bytes.subarray(11).toString("hex")).toBe(
      "00000000" + "00000000" + "0001" + "00000004" + "00000001" + "0001" + "ffffffff" + "ffff",
    );
  });

  it.each([
    ["int", -2, "00000004fffffffe"],
    ["bigint", 2 ** 40 + 5, "000000080000010000000005"],
    ["bigint", -1, "00000008ffffffffffffffff"],
    ["bigint", 9007199254740993n, "000000080020000000000001"],
    ["boolean", true, "0000000101"],
    // days since 2000-01-01: 2022-11-03 is 8342 (0x2096), 1970-01-01 is -10957.
    ["date", 19299, "0000000400002096"],
    ["date", 0, "00000004ffffd533"],
    // 14:20:49.962 is 51,649,962,000 microseconds after midnight.
    ["time", "14:20:49.962", `00000008${(51_649_962_000).toString(16).padStart(16, "0")}`],
    ["time", "00:00:00", "000000080000000000000000"],
    // 2000-01-02 00:00:01.5 is one day and 1.5 s after PostgreSQL's epoch.
    ["timestamp", "2000-01-02 00:00:01.5", `00000008${(86_401_500_000).toString(16).padStart(16, "0")}`],
    // one second before the epoch: -1,000,000 microseconds
    ["timestamp", "1999-12-31T23:59:59", "00000008fffffffffff0bdc0"],
    ["text", "Café\t", "00000006436166c3a909"],
    ["text", "", "00000000"],
  ] as [ColumnType, unknown, string][])("encodes %s %s", (type, value, hex) => {
    expect(field(type, value)).toBe(hex);
  });

  it.each([
    // ndigits, weight, sign, dscale, then base-10000 digits
    [350, 2, "0002" + "0000" + "0000" + "0002" + "0003" + "1388"],
    [-5, 2, "0001" + "ffff" + "4000" + "0002" + "01f4"],
    [0, 2, "0000" + "0000" + "0000" + "0002"],
    [0n, 2, "0000" + "0000" + "0000" + "0002"],
    [123456789, 0, "0003" + "0002" + "0000" + "0000" + "0001" + "0929" + "1a85"],
    [100_000_000, 0, "0001" + "0002" + "0000" + "0000" + "0001"],
    // 1234567890123456.7890
    [
      12_345_678_901_234_567_890n,
      4,
      "0005" + "0003" + "0000" + "0004" + "04d2" + "162e" + "2334" + "0d80" + "1ed2",
    ],
    [new Uint8Array([0xff, 0xfb]), 2, "0001" + "ffff" + "4000" + "0002" + "01f4"],
    [1, 6, "0001" + "fffe" + "0000" + "0006" + "0064"],
  ] as [number | bigint | Uint8Array, number, string][])(
    "encodes the unscaled %s at scale %i",
    (v, scale, hex) => {
      const body = field("decimal", v, scale);

      expect(body.slice(8)).toBe(hex);
      expect(Number.parseInt(body.slice(0, 8), 16)).toBe(hex.length / 2);
    },
  );

  it.each([
    ["int", 3_000_000_000],
    ["int", "7"],
    ["bigint", "7"],
    ["date", "2024-01-01"],
    ["date", 1.5],
    ["time", "24:00:00"],
    ["time", "10:00"],
    ["time", "10:00:00.1234567"],
    ["time", "10:00:00+02"],
    ["timestamp", "2024-01-01 10:00:00+02"],
    ["timestamp", "2024-02-30 10:00:00"],
    ["timestamp", "0000-01-01 10:00:00"],
    ["timestamp", "24-01-01 10:00:00"],
    ["decimal", "3.50"],
    ["decimal", 2 ** 60],
  ] as [ColumnType, unknown][])("leaves %s %s to the text format", (type, value) => {
    expect(() => encode(type, [value], 2)).toThrow(NotBinaryEncodable);
  });

  it("refuses what the text format refuses: a fraction for an integer, a non-boolean", () => {
    expect(() => encode("int", [1.5])).toThrow(DataError);
    expect(() => encode("bigint", [1.5])).toThrow(DataError);
    expect(() => encode("boolean", ["yes"])).toThrow(DataError);
  });
});
