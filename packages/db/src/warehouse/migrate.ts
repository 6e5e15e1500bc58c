import type pg from "pg";
import { controlDdl } from "../ddl/control";
import { warehouseDdl } from "../ddl/warehouse";

/**
 * Creates the PostgreSQL warehouse schema, star tables and ledger where missing, in one
 * transaction under an advisory lock, so two cold starts migrating at once do not collide.
 * Idempotent.
 */
export async function migratePostgresWarehouse(
  client: pg.ClientBase,
  schema = "warehouse",
  controlSchema = "etl",
): Promise<void> {
  await client.query("begin");
  try {
    await client.query("select pg_advisory_xact_lock(hashtextextended($1, 0))", [`etl.migrate:${schema}`]);
    for (const sql of [...warehouseDdl(schema), ...controlDdl(controlSchema)]) await client.query(sql);
    await client.query("commit");
  } catch (error) {
    await client.query("rollback").catch(() => undefined);
    throw error;
  }
}
