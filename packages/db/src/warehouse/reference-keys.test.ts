import { describe, expect, it } from "vitest";
import { MAX_COLLECTED_KEYS, ReferenceKeys } from "./reference-keys";
import { tablePlan } from "./statements";

describe("ReferenceKeys", () => {
  it("collects a fact's reference columns only, as the distinct keys COPY wrote", () => {
    const keys = ReferenceKeys.of(tablePlan("fact_payment"));
    // 19723 is 2024-01-01 in days since 1970-01-01; nulls are no key.
    keys?.add("created_date", [19723, 19723, null, 19724], 0, 4);
    keys?.add("transaction_id", [7, 7, 8, undefined], 0, 4);
    keys?.add("payment_amount", [1, 2], 0, 2);
    keys?.add("currency_id", [3, 4, 5], 1, 3);

    const complete = keys?.complete();
    expect(complete?.get("created_date")).toEqual(["2024-01-01", "2024-01-02"]);
    expect(complete?.get("transaction_id")).toEqual(["7", "8"]);
    expect(complete?.get("currency_id")).toEqual(["4", "5"]);
    expect(complete?.get("payment_date")).toEqual([]);
    expect(complete?.has("payment_amount")).toBe(false);
  });

  it("is none for a dimension", () => {
    expect(ReferenceKeys.of(tablePlan("dim_staff"))).toBeUndefined();
  });

  it("drops a column with more keys than it keeps, for good, also across files", () => {
    const many = Array.from({ length: MAX_COLLECTED_KEYS + 1 }, (_, i) => BigInt(i));
    const first = new ReferenceKeys([
      { name: "a", type: "bigint" },
      { name: "b", type: "int" },
    ]);
    first.add("a", many, 0, many.length);
    first.add("b", [1n], 0, 1);
    const second = new ReferenceKeys([
      { name: "a", type: "bigint" },
      { name: "b", type: "int" },
    ]);
    second.add("a", [1n], 0, 1);
    second.add("b", [2n, 1n], 0, 2);

    second.merge(first);
    first.merge(second);

    expect([...second.complete()]).toEqual([["b", ["2", "1"]]]);
    expect([...first.complete()]).toEqual([["b", ["1", "2"]]]);
  });

  it("drops a column whose files' keys together pass what it keeps", () => {
    const half = MAX_COLLECTED_KEYS / 2 + 1;
    const first = new ReferenceKeys([{ name: "a", type: "int" }]);
    const second = new ReferenceKeys([{ name: "a", type: "int" }]);
    first.add(
      "a",
      Array.from({ length: half }, (_, i) => i),
      0,
      half,
    );
    second.add(
      "a",
      Array.from({ length: half }, (_, i) => half + i),
      0,
      half,
    );
    expect(first.complete().get("a")).toHaveLength(half);

    first.merge(second);

    expect(first.complete().has("a")).toBe(false);
  });

  it("keeps a date that came as text as it is", () => {
    const keys = new ReferenceKeys([{ name: "d", type: "date" }]);
    keys.add("d", ["2024-01-01", 19724], 0, 2);

    expect(keys.complete().get("d")).toEqual(["2024-01-01", "2024-01-02"]);
  });
});
