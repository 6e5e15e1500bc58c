import type pg from "pg";
import { type AdditiveColumn, addColumnIfMissingSql, controlDdl } from "../ddl/control";
import {
  type ExistingForeignKey,
  existingForeignKeysSql,
  foreignKeyMigrationSql,
  foreignKeyModeFor,
} from "../ddl/foreign-keys";
import { warehouseDdl } from "../ddl/warehouse";

/**
 * Creates the PostgreSQL warehouse schema, star tables and ledger where missing, in one
 * transaction under an advisory lock, so two cold starts migrating at once do not collide.
 * The foreign keys follow the server: `NOT ENFORCED` from PostgreSQL 18, none (their references
 * in column comments) before; an existing warehouse's keys are converted. The load checks every
 * reference set-based either way. Idempotent.
 */
export async function migratePostgresWarehouse(
  client: pg.ClientBase,
  schema = "warehouse",
  controlSchema = "etl",
): Promise<void> {
  await client.query("begin");
  try {
    await client.query("select pg_advisory_xact_lock(hashtextextended($1, 0))", [`etl.migrate:${schema}`]);
    const version = await client.query<{ v: string }>("select current_setting('server_version_num') as v");
    const serverVersion = Number(version.rows[0]?.v ?? 0);
    const foreignKeys = foreignKeyModeFor(serverVersion);
    for (const sql of [...warehouseDdl(schema, { foreignKeys }), ...controlDdl(controlSchema)])
      await client.query(sql);
    // Tables created before this choice (or on an older server, then upgraded) are brought to it.
    const existing = await client.query<ExistingForeignKey>(existingForeignKeysSql(serverVersion), [schema]);
    for (const sql of foreignKeyMigrationSql(schema, foreignKeys, existing.rows)) await client.query(sql);
    await client.query("commit");
  } catch (error) {
    await client.query("rollback").catch(() => undefined);
    throw error;
  }
}

/**
 * Adds each column of `columns` where missing (`add column if not exists`: nullable, existing
 * rows hold NULL), in one transaction under the migration's advisory lock. Idempotent. A star
 * column marked `added` is added this way by `migratePostgresWarehouse` already; this is the
 * same step for a column named by hand (docs/schema-change.md).
 */
export async function addMissingPostgresColumns(
  client: pg.ClientBase,
  columns: readonly AdditiveColumn[],
  schema = "warehouse",
): Promise<void> {
  await client.query("begin");
  try {
    await client.query("select pg_advisory_xact_lock(hashtextextended($1, 0))", [`etl.migrate:${schema}`]);
    for (const column of columns) await client.query(addColumnIfMissingSql(column));
    await client.query("commit");
  } catch (error) {
    await client.query("rollback").catch(() => undefined);
    throw error;
  }
}
