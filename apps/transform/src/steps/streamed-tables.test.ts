import { describe, expect, it } from "vitest";
import { DateSet } from "./streamed-tables";

describe("DateSet", () => {
  it("keeps each date once and gives them back in order as YYYY-MM-DD", () => {
    const dates = new DateSet();

    for (const date of ["2024-02-29", "0999-01-01", "2023-12-31", "2024-02-29"]) dates.add(date);

    expect(dates.size).toBe(3);
    expect(dates.values()).toEqual(["0999-01-01", "2023-12-31", "2024-02-29"]);
  });
});
