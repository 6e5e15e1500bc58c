import { describe, expect, it } from "vitest";
import { type StarColumn, toGlueType } from "./star-catalog";

const column = (type: StarColumn["type"], extra: Partial<StarColumn> = {}): StarColumn => ({
  name: "c",
  type,
  nullable: true,
  ...extra,
});

describe("toGlueType", () => {
  it("maps each star type to the Hive type Athena reads", () => {
    expect(
      (["int", "bigint", "text", "date", "time", "timestamp", "boolean"] as const).map((t) =>
        toGlueType(column(t)),
      ),
    ).toEqual(["int", "bigint", "string", "date", "string", "string", "boolean"]);
  });

  it("keeps a decimal's precision and scale", () => {
    expect(toGlueType(column("decimal", { precision: 10, scale: 2 }))).toBe("decimal(10,2)");
  });

  it("reads a decimal without precision or scale as Hive's widest integral decimal", () => {
    expect(toGlueType(column("decimal"))).toBe("decimal(38,0)");
    expect(toGlueType(column("decimal", { precision: 12 }))).toBe("decimal(12,0)");
  });
});
