import { TransientError } from "@etl/schemas";
import { redshiftControlDdl } from "../ddl/control";
import { redshiftWarehouseDdl } from "../ddl/warehouse";
import type { RedshiftDataApi } from "./data-api";
import { redshiftStagingTablesDdl } from "./sql";
import { type WaitOptions, waitForStatement } from "./wait";

/** Every statement that makes a Redshift warehouse ready to load: tables, ledger, staging. */
export function redshiftMigrationSql(schema = "warehouse", controlSchema = "etl"): string[] {
  return [
    ...redshiftWarehouseDdl(schema),
    ...redshiftControlDdl(controlSchema),
    ...redshiftStagingTablesDdl(schema),
  ];
}

/**
 * Creates the warehouse schema, star tables, ledger and staging tables where missing, in one
 * batch per 40 statements (the Data API's limit). Idempotent.
 */
export async function migrateRedshift(
  api: RedshiftDataApi,
  options: WaitOptions & { schema?: string; controlSchema?: string; name: string },
): Promise<void> {
  const statements = redshiftMigrationSql(options.schema, options.controlSchema);
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
