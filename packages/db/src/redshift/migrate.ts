import { STAR_COLUMNS, STAR_TABLE_NAMES, TransientError } from "@etl/schemas";
import { type AdditiveColumn, controlAdditiveColumns, redshiftControlDdl } from "../ddl/control";
import { redshiftWarehouseDdl, warehouseAdditiveColumns } from "../ddl/warehouse";
import { qualified, quoteIdent } from "../sql";
import type { RedshiftDataApi } from "./data-api";
import { redshiftStagingName, redshiftStagingTablesDdl, stagingType } from "./sql";
import { queryRows, type WaitOptions, waitForStatement } from "./wait";

/** Every statement that makes a Redshift warehouse ready to load: tables, ledger, staging. */
export function redshiftMigrationSql(schema = "warehouse", controlSchema = "etl"): string[] {
  return [
    ...redshiftWarehouseDdl(schema),
    ...redshiftControlDdl(controlSchema),
    ...redshiftStagingTablesDdl(schema),
  ];
}

/**
 * Columns added after their tables were first released (`added` in `STAR_COLUMNS`), in Redshift's
 * types: on the star tables and on their staging tables (text there for the columns Parquet
 * carries as text), and the ledger's counts.
 */
export function redshiftAdditiveColumns(schema = "warehouse", controlSchema = "etl"): AdditiveColumn[] {
  const staging = STAR_TABLE_NAMES.flatMap((table) =>
    STAR_COLUMNS[table]
      .filter((c) => c.added === true)
      .map((c) => ({ schema, table: redshiftStagingName(table), column: c.name, type: stagingType(c) })),
  );
  return [
    ...warehouseAdditiveColumns(schema, "redshift"),
    ...staging,
    ...controlAdditiveColumns(controlSchema, "redshift"),
  ];
}

/**
 * Parameters `schema`, `control_schema`: the columns the catalog has in the two schemas. Redshift
 * has no `add column if not exists`, so the migration asks first and adds only what is missing.
 */
export const EXISTING_COLUMNS_SQL =
  "select table_schema, table_name, column_name from information_schema.columns " +
  "where table_schema in (:schema, :control_schema)";

/** `alter table ... add column ...`: Redshift adds one column per statement, with no `if not exists`. */
export function addColumnSql(column: AdditiveColumn): string {
  return `alter table ${qualified(column.schema, column.table)} add column ${quoteIdent(column.column)} ${column.type}`;
}

/** The database role every loader's user is granted (see the root README, deploy step 4b). */
export const LOADER_ROLE = "etl_loader";

/**
 * Parameter `role`: the loader role, when the signed-in user is a member. `svv_user_grants` shows
 * a regular user the roles granted to it; no row means one user signs in (by secret) or the role
 * is not set up, and the migration grants nothing.
 */
export const LOADER_MEMBERSHIP_SQL =
  "select role_name from svv_user_grants where user_name = current_user and role_name = :role";

/**
 * Parameters `schema`, `control_schema`: the schemas and tables of the two schemas that the
 * signed-in user owns. Only an owner may grant on an object: each loader grants what it created.
 */
export const OWNED_OBJECTS_SQL =
  "select 'schema' as kind, nspname as schema_name, nspname as object_name from pg_namespace " +
  "where nspowner = current_user_id and nspname in (:schema, :control_schema) " +
  "union all select 'table', schemaname, tablename from pg_tables " +
  "where tableowner = current_user and schemaname in (:schema, :control_schema)";

/**
 * With IAM sign-in each Lambda role is its own database user (`IAMR:<role>`), and whichever
 * migrates first owns the schemas, tables and ledger. So every loader's user is a member of one
 * role, and each grants that role all it owns (`grant ... to role`), plus default privileges on
 * the tables it creates later (a user may set only its own defaults; each loader runs this).
 */
export function loaderGrantsSql(
  owned: readonly { kind: string; schema: string; name: string }[],
  schemas: readonly string[],
  role = LOADER_ROLE,
): string[] {
  const to = `to role ${quoteIdent(role)}`;
  return [
    ...owned
      .filter((o) => o.kind === "schema")
      .map((o) => `grant usage, create on schema ${quoteIdent(o.name)} ${to}`),
    ...owned
      .filter((o) => o.kind === "table")
      .map((o) => `grant all on table ${qualified(o.schema, o.name)} ${to}`),
    ...schemas.map(
      (schema) => `alter default privileges in schema ${quoteIdent(schema)} grant all on tables ${to}`,
    ),
  ];
}

async function runBatches(
  api: RedshiftDataApi,
  statements: readonly string[],
  options: WaitOptions & { name: string },
): Promise<void> {
  for (let i = 0; i < statements.length; i += 40) {
    const id = await api.submitBatch(statements.slice(i, i + 40), options.name);
    const status = await waitForStatement(api, id, options);
    if (status.state !== "FINISHED") {
      throw new TransientError(
        `warehouse migration ${id} ${status.state}: ${status.error ?? "not finished in time"}`,
        {
          code: "REDSHIFT_MIGRATION",
        },
      );
    }
  }
}

/**
 * Adds each column of `columns` that the catalog (`information_schema.columns` of the two
 * schemas) does not list, one `alter table ... add column` per column, in batches of 40.
 * Redshift has no `add column if not exists`, so asking first is what makes it idempotent.
 * Resolves the statements it ran.
 *
 * @example
 * await addMissingRedshiftColumns(api, [{ schema: "warehouse", table: "fact_sales_order",
 *   column: "discount_rate", type: "numeric(4,2)" }], { name, deadline, sleep });
 */
export async function addMissingRedshiftColumns(
  api: RedshiftDataApi,
  columns: readonly AdditiveColumn[],
  options: WaitOptions & { schema?: string; controlSchema?: string; name: string },
): Promise<string[]> {
  const existing = new Set(
    (
      await queryRows(
        api,
        EXISTING_COLUMNS_SQL,
        options.name,
        { schema: options.schema ?? "warehouse", control_schema: options.controlSchema ?? "etl" },
        options,
      )
    ).map((r) => `${r.table_schema}.${r.table_name}.${r.column_name}`),
  );
  const missing = columns
    .filter((c) => !existing.has(`${c.schema}.${c.table}.${c.column}`))
    .map(addColumnSql);
  await runBatches(api, missing, options);
  return missing;
}

/**
 * Creates the warehouse schema, star tables, ledger and staging tables where missing, in one
 * batch per 40 statements (the Data API's limit), then adds the additive columns the catalog
 * (`information_schema.columns`) does not list, in one more batch; then, when the signed-in user
 * is a member of the loader role, grants that role what the user owns (`loaderGrantsSql`).
 * Idempotent.
 */
export async function migrateRedshift(
  api: RedshiftDataApi,
  options: WaitOptions & { schema?: string; controlSchema?: string; name: string; loaderRole?: string },
): Promise<void> {
  const schema = options.schema ?? "warehouse";
  const controlSchema = options.controlSchema ?? "etl";
  await runBatches(api, redshiftMigrationSql(schema, controlSchema), options);
  await addMissingRedshiftColumns(api, redshiftAdditiveColumns(schema, controlSchema), {
    ...options,
    schema,
    controlSchema,
  });
  const role = options.loaderRole ?? LOADER_ROLE;
  const member = await queryRows(api, LOADER_MEMBERSHIP_SQL, options.name, { role }, options);
  if (member.length === 0) return;
  const owned = await queryRows(
    api,
    OWNED_OBJECTS_SQL,
    options.name,
    { schema, control_schema: controlSchema },
    options,
  );
  await runBatches(
    api,
    loaderGrantsSql(
      owned.map((o) => ({
        kind: String(o.kind),
        schema: String(o.schema_name),
        name: String(o.object_name),
      })),
      [schema, controlSchema],
      role,
    ),
    options,
  );
}
