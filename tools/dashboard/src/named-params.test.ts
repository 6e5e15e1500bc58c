import { describe, expect, it } from "vitest";
import { parameterNames, toPositional } from "./named-params";

describe("toPositional", () => {
  it.each([
    ["select :a::int + :a::int", { a: 1 }, "select $1::int + $1::int", [1]],
    ["select :b, :a where x = :b", { a: "x", b: null }, "select $1, $2 where x = $1", [null, "x"]],
    ["select to_char(d, 'HH24:MI') from t", {}, "select to_char(d, 'HH24:MI') from t", []],
  ])("%s", (sql, params, text, values) => {
    const result = toPositional(sql, params);

    expect(result).toEqual({ text, values });
  });

  it("refuses a parameter without a value", () => {
    expect(() => toPositional("select :missing", {})).toThrow("no value was given for it");
  });
});

describe("parameterNames", () => {
  it("lists each name once, in order, and no casts", () => {
    expect(parameterNames("select :b::text, :a, :b from t where c = 'x:y'")).toEqual(["b", "a"]);
  });
});
