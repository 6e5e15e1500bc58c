import { STAR_TABLE_NAMES, type StarDeletion } from "@etl/schemas";
import type pg from "pg";
import { deletionSql, POSTGRES_DELETION_VALUES } from "./deletion-sql";
import { run } from "./load-table";

/**
 * Applies a run's deletions inside its transaction, after its rows (dimensions before facts, so
 * the detection date is in dim_date); each statement is idempotent. Returns the rows changed.
 */
export async function applyPostgresDeletions(
  client: pg.ClientBase,
  schema: string,
  deletions: readonly StarDeletion[],
): Promise<number> {
  let deleted = 0;
  const ordered = [...deletions].sort(
    (a, b) => STAR_TABLE_NAMES.indexOf(a.table) - STAR_TABLE_NAMES.indexOf(b.table),
  );
  for (const d of ordered) {
    const sql = deletionSql(schema, d.table, POSTGRES_DELETION_VALUES);
    deleted += (await run(client, sql, [d.keys, d.deletedAt], { table: d.table })).rowCount ?? 0;
  }
  return deleted;
}
