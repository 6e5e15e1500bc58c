import { describe, expect, it } from "vitest";
import { type MetricsSink, publishMetricPoints, tableMetricPoints } from "./metric-points";

function recordingSink() {
  const calls: unknown[][] = [];
  const sink: MetricsSink = {
    addDimensions: (dimensions) => calls.push(["dimensions", dimensions]),
    addMetric: (name, unit, value) => calls.push(["metric", name, unit, value]),
    publishStoredMetrics: () => calls.push(["publish"]),
  };
  return { sink, calls };
}

describe("publishMetricPoints", () => {
  it("publishes each point on its own, with its dimensions", () => {
    const { sink, calls } = recordingSink();

    publishMetricPoints(sink, [
      { dimensions: { rule: "sales", status: "FINISHED" }, values: { files: 1, rows: 7 } },
      { values: { rows: 3, duration: 120 } },
    ]);

    expect(calls).toEqual([
      ["dimensions", { rule: "sales", status: "FINISHED" }],
      ["metric", "files", "Count", 1],
      ["metric", "rows", "Count", 7],
      ["publish"],
      ["metric", "rows", "Count", 3],
      ["metric", "duration", "Milliseconds", 120],
      ["publish"],
    ]);
  });

  it("turns per-table progress into one point per table: rows, bytes and duration", () => {
    const points = tableMetricPoints([{ table: "fact_sales_order", rows: 10, bytes: 2048, durationMs: 35 }]);

    expect(points).toEqual([
      { dimensions: { table: "fact_sales_order" }, values: { rows: 10, bytes: 2048, duration: 35 } },
    ]);
  });
});
