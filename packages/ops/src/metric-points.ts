/** The metrics every stage publishes, and the unit each is in. */
const UNITS = { rows: "Count", files: "Count", bytes: "Bytes", duration: "Milliseconds" } as const;

export type MetricName = keyof typeof UNITS;

/** One EMF record: its dimensions and the values of the metrics it carries. */
export interface MetricPoint {
  dimensions?: Record<string, string>;
  values: Partial<Record<MetricName, number>>;
}

/** What `publishMetricPoints` needs of Powertools' `Metrics` (the `createMetrics` instance). */
export interface MetricsSink {
  addDimensions(dimensions: Record<string, string>): unknown;
  addMetric(name: string, unit: (typeof UNITS)[MetricName], value: number): unknown;
  publishStoredMetrics(): unknown;
}

/**
 * Publishes each point as its own EMF record, so the values of one table (or file) keep their
 * dimensions; Powertools clears the dimensions as it publishes.
 *
 * @example
 * publishMetricPoints(deps.metrics, tableMetricPoints(result.tables));
 */
export function publishMetricPoints(metrics: MetricsSink, points: readonly MetricPoint[]): void {
  for (const point of points) {
    if (point.dimensions) metrics.addDimensions(point.dimensions);
    for (const [name, value] of Object.entries(point.values) as [MetricName, number | undefined][])
      if (value !== undefined) metrics.addMetric(name, UNITS[name], value);
    metrics.publishStoredMetrics();
  }
}

/** One point per table written: rows, bytes and duration, the `table` dimension set. */
export function tableMetricPoints(
  tables: readonly { table: string; rows: number; bytes: number; durationMs: number }[],
): MetricPoint[] {
  return tables.map((t) => ({
    dimensions: { table: t.table },
    values: { rows: t.rows, bytes: t.bytes, duration: t.durationMs },
  }));
}
