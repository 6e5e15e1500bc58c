import type { SeedTable } from "../../src/tables";

/** The rows of a generated table as objects keyed by column name. */
export function objectsOf(table: SeedTable): Record<string, unknown>[] {
  return [...table.rows()].map((row) => Object.fromEntries(table.columns.map((c, i) => [c, row[i]])));
}

export function tableOf(tables: SeedTable[], name: SeedTable["table"]): SeedTable {
  const table = tables.find((t) => t.table === name);
  if (!table) throw new Error(`no generated table ${name}`);
  return table;
}
