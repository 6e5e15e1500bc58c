import { SOURCE_UPDATED_AT_COLUMN, STAR_COLUMNS, STAR_TABLE_NAMES, TransientError } from "@etl/schemas";
import { type AdditiveColumn, controlAdditiveColumns, redshiftControlDdl } from "../ddl/control";
import { redshiftWarehouseDdl, warehouseAdditiveColumns } from "../ddl/warehouse";
import { qualified, quoteIdent } from "../sql";
import type { RedshiftDataApi } from "./data-api";
import { redshiftStagingName, redshiftStagingTablesDdl } from "./sql";
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
 * Columns added after their tables were first released, in Redshift's types: `source_updated_at`
 * of the dimensions and of their staging tables (text there, like every column Parquet carries as
 * text), and the ledger's counts.
 */
export function redshiftAdditiveColumns(schema = "warehouse", controlSchema = "etl"): AdditiveColumn[] {
  const staging = STAR_TABLE_NAMES.flatMap((table) =>
    STAR_COLUMNS[table]
      .filter((c) => c.name === SOURCE_UPDATED_AT_COLUMN)
      .map((c) => ({ schema, table: redshiftStagingName(table), column: c.name, type: "varchar(32)" })),
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
 * Creates the warehouse schema, star tables, ledger and staging tables where missing, in one
 * batch per 40 statements (the Data API's limit), then adds the additive columns the catalog
 * (`information_schema.columns`) does not list, in one more batch. Idempotent.
 */
export async function migrateRedshift(
  api: RedshiftDataApi,
  options: WaitOptions & { schema?: string; controlSchema?: string; name: string },
): Promise<void> {
  const schema = options.schema ?? "warehouse";
  const controlSchema = options.controlSchema ?? "etl";
  await runBatches(api, redshiftMigrationSql(schema, controlSchema), options);
  const existing = new Set(
    (
      await queryRows(
        api,
        EXISTING_COLUMNS_SQL,
        options.name,
        { schema, control_schema: controlSchema },
        options,
      )
    ).map((r) => `${r.table_schema}.${r.table_name}.${r.column_name}`),
  );
  const missing = redshiftAdditiveColumns(schema, controlSchema).filter(
    (c) => !existing.has(`${c.schema}.${c.table}.${c.column}`),
  );
  await runBatches(api, missing.map(addColumnSql), options);
}
