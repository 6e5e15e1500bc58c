import { DataError } from "@etl/schemas";
import type pg from "pg";
import { createRowEstimator, createTableStreamer, type EstimateRows, type StreamTable } from "./table-stream";

/** What `pg_export_snapshot()` returns, e.g. `00000003-0000001B-1`. */
const SNAPSHOT_ID = /^[0-9A-F]+-[0-9A-F]+(-[0-9]+)?$/i;

/** A connection reading from a snapshot another connection exported. */
export interface SnapshotReader {
  streamTable: StreamTable;
  estimateRows: EstimateRows;
  /** Ends the read-only transaction. */
  close(): Promise<void>;
}

/**
 * Joins the snapshot a coordinating `openSourceSnapshot` exported (`exportSnapshot()`): a
 * `REPEATABLE READ READ ONLY` transaction on `client` set to that snapshot, so the tables read
 * here and on the coordinator are one consistent view, however many connections read them; a
 * write committed after the snapshot is seen by none. The coordinator's transaction must stay
 * open until every reader has joined. `upperBound` is the coordinator's: one watermark range for
 * the run.
 */
export async function joinSourceSnapshot(
  client: pg.ClientBase,
  options: { snapshotId: string; upperBound: string },
): Promise<SnapshotReader> {
  // SET TRANSACTION SNAPSHOT takes no bind parameter: the id is checked against its only shape.
  if (!SNAPSHOT_ID.test(options.snapshotId))
    throw new DataError(`not a snapshot id: ${JSON.stringify(options.snapshotId)}`);
  await client.query("begin isolation level repeatable read read only");
  let open = true;
  try {
    await client.query(`set transaction snapshot '${options.snapshotId}'`);
  } catch (error) {
    open = false;
    await client.query("rollback").catch(() => undefined);
    throw error;
  }
  return {
    streamTable: createTableStreamer(client, options.upperBound),
    estimateRows: createRowEstimator(client, options.upperBound),
    async close() {
      if (!open) return;
      open = false;
      await client.query("commit");
    },
  };
}
