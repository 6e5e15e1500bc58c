import { describe, expect, it } from "vitest";
import { formatBench, round, row } from "./bench-row";

describe("row", () => {
  it("rounds the times, divides by the reference, and keeps target and detail only when given", () => {
    expect(row("ingest", { rows: 1000, wall_s: 2.345, peak_rss_mb: 101.6 }, "psql COPY", 1.1)).toEqual({
      stage: "ingest",
      rows: 1000,
      wall_s: 2.35,
      peak_rss_mb: 102,
      reference: "psql COPY",
      reference_wall_s: 1.1,
      ratio: 2.13,
    });
    expect(
      row("load", { rows: 5, wall_s: 1, peak_rss_mb: 1, detail: { files: 2 } }, "floor", 2, "<= 2"),
    ).toMatchObject({ ratio: 0.5, target: "<= 2", detail: { files: 2 } });
  });
});

describe("round", () => {
  it("rounds to the places given", () => {
    expect(round(1.23456)).toBe(1.23);
    expect(round(1.23456, 3)).toBe(1.235);
  });
});

describe("formatBench", () => {
  it("aligns a header, a rule and one line per row, rows per second blank for no wall time", () => {
    const lines = formatBench([
      {
        stage: "ingest",
        rows: 1_000_000,
        wall_s: 20,
        peak_rss_mb: 300,
        reference: "copy",
        reference_wall_s: 10,
        ratio: 2,
      },
      { stage: "x", rows: 0, wall_s: 0, peak_rss_mb: 1, reference: "none", reference_wall_s: 0, ratio: 0 },
    ]);

    expect(lines).toEqual([
      "stage        rows  rows/s  wall s  peak RSS MB  reference  ref wall s  ratio",
      "------  ---------  ------  ------  -----------  ---------  ----------  -----",
      "ingest  1,000,000  50,000   20.00          300  copy            10.00   2.00",
      "x               0       -    0.00            1  none             0.00   0.00",
    ]);
  });
});
