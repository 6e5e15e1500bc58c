import { describe, expect, it } from "vitest";
import { datePath, fittedName, MAX_KEY_BYTES, moveKey } from "./landed-keys";

const AT = new Date("2026-03-04T23:59:59.999Z");

describe("landed file keys", () => {
  it("moves a file to <prefix><rule>/YYYY/MM/DD/<name>, by UTC day", () => {
    expect(datePath(AT)).toBe("2026/03/04");
    expect(moveKey("archive/", "rates", AT, "2026-03-04.csv")).toBe(
      "archive/rates/2026/03/04/2026-03-04.csv",
    );
  });

  it("keeps a short name as it is", () => {
    expect(fittedName("processing/rates/", "a.csv")).toBe("a.csv");
  });

  it("shortens a name that would pass 1,024 bytes, keeping its end and telling long names apart", () => {
    const long = (tail: string) => `${"é".repeat(600)}${tail}.csv`;

    const key = moveKey("error/", "rates", AT, long("a"));
    const other = moveKey("error/", "rates", AT, long("b"));

    expect(Buffer.byteLength(key, "utf8")).toBeLessThanOrEqual(MAX_KEY_BYTES - 25);
    expect(key).toMatch(/^error\/rates\/2026\/03\/04\/[0-9a-f]{12}-é+a\.csv$/);
    expect(other).not.toBe(key);
  });
});
