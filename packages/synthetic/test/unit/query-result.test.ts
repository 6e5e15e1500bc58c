import { describe, expect, it } from "vitest";
import { affectedRows } from "../../src/affected-rows";
import { onlyRow } from "../../src/only-row";

describe("reading query results", () => {
  it("takes the one row of a query that returns exactly one", () => {
    const row = onlyRow([{ n: 3 }], "sales_order totals");

    expect(row).toEqual({ n: 3 });
  });

  it.each([
    [[], "expected one row of sales_order totals, got 0"],
    [[{ n: 1 }, { n: 2 }], "expected one row of sales_order totals, got 2"],
  ])("refuses %j, naming what was read", (rows, message) => {
    expect(() => onlyRow(rows, "sales_order totals")).toThrow(message);
  });

  it.each([
    [{ rowCount: 4 }, 4],
    [{ rowCount: 0 }, 0],
    // pg reports no count for commands that have none (e.g. LISTEN): nothing was changed.
    [{ rowCount: null }, 0],
  ])("counts the rows a statement changed in %j as %i", (result, count) => {
    expect(affectedRows(result)).toBe(count);
  });
});
