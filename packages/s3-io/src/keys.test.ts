import { describe, expect, it } from "vitest";
import { starDataKey, starRunPrefix, stateKey, stateRunPrefix } from "./keys";

const RUN = "20261123T141500123Z-00000042";

describe("output keys", () => {
  it("put the attempt between the run id and the part, under the run's per-table prefix", () => {
    const key = starDataKey("fact_sales_order", RUN, "0a1b2c3d", 7);

    expect(key).toBe(`star/fact_sales_order/2026/11/23/${RUN}-0a1b2c3d-0007.parquet`);
    expect(key.startsWith(starRunPrefix("fact_sales_order", RUN))).toBe(true);
    expect(stateKey("address", RUN, "0a1b2c3d")).toBe(`state/address/${RUN}-0a1b2c3d.jsonl.gz`);
    expect(stateKey("address", RUN, "0a1b2c3d").startsWith(stateRunPrefix("address", RUN))).toBe(true);
  });

  it("sort by run, then attempt, then part", () => {
    const keys = [
      starDataKey("dim_date", "20261123T141500123Z-00000043", "00000000", 1),
      starDataKey("dim_date", RUN, "ffffffff", 1),
      starDataKey("dim_date", RUN, "0a1b2c3d", 10),
      starDataKey("dim_date", RUN, "0a1b2c3d", 2),
    ];

    expect([...keys].sort()).toEqual([keys[3], keys[2], keys[1], keys[0]]);
  });

  it("refuse an attempt token that could break the layout", () => {
    for (const attempt of ["", "short", "UPPERCASE1", "a/b/c/d/e", "0123456789abcdef0"]) {
      expect(() => starDataKey("dim_date", RUN, attempt, 1)).toThrow(RangeError);
      expect(() => stateKey("address", RUN, attempt)).toThrow(RangeError);
    }
  });
});
