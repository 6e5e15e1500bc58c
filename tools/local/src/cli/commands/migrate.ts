import { controlDdl, warehouseDdl } from "@etl/db/ddl";
import { connectRedshiftDataApi, migrateRedshift, redshiftMigrationSql } from "@etl/db/redshift";
import { migratePostgresWarehouse } from "@etl/db/warehouse";
import { redactUrl } from "@etl/local-cloud";
import pg from "pg";
import { openLocalEnvironment } from "../../environment";
import { type Command, defaultDataDir, err, out } from "../command";

const SCHEMA = /^[a-z_][a-z0-9_]{0,62}$/;

/** Redshift through the Data API: the workgroup or cluster, database and credentials from the environment. */
async function migrateRedshiftFromEnv(schema: string): Promise<number> {
  const e = process.env;
  if (!(e.REDSHIFT_WORKGROUP || e.REDSHIFT_CLUSTER_ID) || !e.REDSHIFT_DATABASE) {
    err(
      "etl migrate: the redshift target needs REDSHIFT_WORKGROUP or REDSHIFT_CLUSTER_ID, and REDSHIFT_DATABASE",
    );
    return 2;
  }
  const api = connectRedshiftDataApi(
    {
      database: e.REDSHIFT_DATABASE,
      ...(e.REDSHIFT_WORKGROUP ? { workgroupName: e.REDSHIFT_WORKGROUP } : {}),
      ...(e.REDSHIFT_CLUSTER_ID ? { clusterIdentifier: e.REDSHIFT_CLUSTER_ID } : {}),
      ...(e.REDSHIFT_SECRET_ARN ? { secretArn: e.REDSHIFT_SECRET_ARN } : {}),
    },
    e.AWS_REGION ?? "eu-west-2",
  );
  await migrateRedshift(api, { schema, name: "etl-migrate", deadline: Date.now() + 10 * 60_000 });
  out(`redshift: schema ${schema}, its star, staging and ledger tables are in place`);
  return 0;
}

export const migrate: Command = {
  name: "migrate",
  summary: "create the warehouse schema, star tables and load ledger where missing (idempotent)",
  usage:
    "etl migrate [--target postgres|redshift] [--schema NAME] [--print] [--data-dir DIR]\n" +
    "  postgres: WAREHOUSE_URL, else the running local cloud (or one started for the command)\n" +
    "  redshift: REDSHIFT_WORKGROUP or REDSHIFT_CLUSTER_ID, REDSHIFT_DATABASE, REDSHIFT_SECRET_ARN, via the Data API\n" +
    "  --print writes the SQL instead of running it",
  options: {
    target: { type: "string" },
    schema: { type: "string" },
    print: { type: "boolean" },
    "data-dir": { type: "string" },
  },
  async run({ values }) {
    const target = (values.target as string | undefined) ?? process.env.WAREHOUSE_TARGET ?? "postgres";
    const schema = (values.schema as string | undefined) ?? process.env.WAREHOUSE_SCHEMA ?? "warehouse";
    if (target !== "postgres" && target !== "redshift") {
      err(`etl migrate: unknown target ${target}`);
      return 2;
    }
    if (!SCHEMA.test(schema)) {
      err(`etl migrate: ${JSON.stringify(schema)} is not a schema name`);
      return 2;
    }
    if (values.print) {
      const sql =
        target === "redshift" ? redshiftMigrationSql(schema) : [...warehouseDdl(schema), ...controlDdl()];
      out(`${sql.join(";\n\n")};`);
      return 0;
    }
    if (target === "redshift") return migrateRedshiftFromEnv(schema);

    const local = process.env.WAREHOUSE_URL
      ? undefined
      : await openLocalEnvironment((values["data-dir"] as string | undefined) ?? defaultDataDir());
    const url = process.env.WAREHOUSE_URL ?? local?.env.WAREHOUSE_URL ?? "";
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await migratePostgresWarehouse(client, schema);
      const tables = await client.query<{ n: number }>(
        "select count(*)::int as n from information_schema.tables where table_schema in ($1, 'etl')",
        [schema],
      );
      out(
        `postgres ${redactUrl(url)}: schema ${schema} and the etl ledger are in place (${tables.rows[0]?.n ?? 0} tables)`,
      );
      return 0;
    } finally {
      await client.end().catch(() => undefined);
      await local?.close();
    }
  },
};
