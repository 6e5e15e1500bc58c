/**
 * What a stage tells someone watching it work, table by table: the `etl` CLI draws it as lines
 * and a live counter. On Lambda nothing listens (the port is left out of the deps), and the logs
 * and metrics say what a run did; so a stage calls it per batch or per part, never per row, and
 * does no work for it (no estimate query) when it is absent.
 *
 * @example
 * progress?.tableStarted("sales_order", 500_000);
 * progress?.rows("sales_order", 120_000); // after each part
 * progress?.tableFinished("sales_order", 500_000, 5_900);
 */
export interface StageProgress {
  /** A table starts; `expectedRows` is an estimate (the source's planner, a manifest), when known. */
  tableStarted(table: string, expectedRows?: number): void;
  /**
   * Rows of the table done so far (a running total), after a batch or a part; `step` names what
   * the stage does next when that is not more rows (the load: "merging"), shown instead of an ETA.
   */
  rows(table: string, rows: number, step?: string): void;
  /** The table is done: its rows, and how long it took. */
  tableFinished(table: string, rows: number, durationMs: number): void;
}
