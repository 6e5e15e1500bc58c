import { STAR_TABLE_NAMES, type StarTable } from "@etl/schemas";
import type pg from "pg";
import { expectedStarSql, warehouseSql } from "./expected-star";

/** A table's rows reduced to a count and an order-independent sum of row hashes. */
export interface TableDigest {
  table: StarTable;
  expected: { rows: number; hash: string };
  warehouse: { rows: number; hash: string };
}

/**
 * The multiset digest of a query's rows, computed in the database: the rows of a million-row
 * fact table never travel. Both sides render every column as text the same way
 * (`expected-star.ts` normalises them), so equal rows hash equally.
 */
function digestSql(sql: string): string {
  return `select count(*)::bigint::text as rows,
                 coalesce(sum(('x' || substr(md5(t::text), 1, 15))::bit(60)::bigint), 0)::text as hash
            from (${sql}) t`;
}

async function digest(client: pg.Client, sql: string): Promise<{ rows: number; hash: string }> {
  const { rows } = await client.query<{ rows: string; hash: string }>(digestSql(sql));
  return { rows: Number(rows[0]?.rows ?? 0), hash: rows[0]?.hash ?? "" };
}

/**
 * Every star table's digest as the reference computes it from the OLTP database's current rows
 * (one version: a first load with no change after it) and as the warehouse holds it: for a
 * comparison at a scale where `Scenario.differences` would hold too many rows in memory.
 */
export async function referenceDigests(oltp: pg.Client, warehouse: pg.Client): Promise<TableDigest[]> {
  const found: TableDigest[] = [];
  for (const table of STAR_TABLE_NAMES) {
    found.push({
      table,
      expected: await digest(oltp, expectedStarSql(table, ["public"])),
      warehouse: await digest(warehouse, warehouseSql(table, "warehouse")),
    });
  }
  return found;
}
