import { qualified, quoteIdent } from "@etl/db";
import {
  DELETION_COLUMNS,
  FACT_TABLE_NAMES,
  hasDeletionColumns,
  STAR_COLUMNS,
  STAR_KEYS,
  STAR_TABLE_NAMES,
  SURROGATE_KEYS,
} from "@etl/schemas";
import type pg from "pg";

type Row = Record<string, unknown>;

export interface Snapshot {
  /** Every star table's rows (no surrogate ids), by natural key then version. */
  star: Record<string, Row[]>;
  /** The files and runs the ledger holds (times of loading aside). */
  ledger: { files: Row[]; runs: Row[] };
  /** Per fact table: rows, distinct and non-null surrogate ids (the ids themselves are the warehouse's). */
  surrogates: Record<string, Row>;
}

/** What a warehouse holds, read the same way whichever path loaded it. */
export async function snapshotOf(
  client: pg.Client,
  schema = "warehouse",
  control = "etl",
): Promise<Snapshot> {
  const star: Record<string, Row[]> = {};
  for (const table of STAR_TABLE_NAMES) {
    const columns = [
      ...STAR_COLUMNS[table].map((c) => c.name),
      ...(hasDeletionColumns(table) ? DELETION_COLUMNS.map((c) => c.name) : []),
    ];
    const order = STAR_KEYS[table].map(quoteIdent).join(", ");
    star[table] = (
      await client.query(
        `select ${columns.map(quoteIdent).join(", ")} from ${qualified(schema, table)} order by ${order}`,
      )
    ).rows;
  }
  const surrogates: Record<string, Row> = {};
  for (const table of FACT_TABLE_NAMES) {
    const id = quoteIdent(SURROGATE_KEYS[table]);
    surrogates[table] = (
      await client.query(
        `select count(*)::int as "rows", count(distinct ${id})::int as "distinct", count(${id})::int as "ids" from ${qualified(schema, table)}`,
      )
    ).rows[0];
  }
  const files = (
    await client.query(
      `select "key", "run_id", "table_name", "sha256", "rows"::int from ${qualified(control, "loaded_files")} order by "key"`,
    )
  ).rows;
  const runs = (
    await client.query(
      `select "run_id", "status", "files", "rows"::int, "inserted"::int, "updated"::int from ${qualified(control, "load_runs")} order by "run_id"`,
    )
  ).rows;
  return { star, ledger: { files, runs }, surrogates };
}
