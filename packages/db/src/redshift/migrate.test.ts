import {
  BatchExecuteStatementCommand,
  DescribeStatementCommand,
  ExecuteStatementCommand,
  GetStatementResultCommand,
  RedshiftDataClient,
} from "@aws-sdk/client-redshift-data";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { createRedshiftDataApi } from "./data-api";
import {
  EXISTING_COLUMNS_SQL,
  LOADER_MEMBERSHIP_SQL,
  migrateRedshift,
  OWNED_OBJECTS_SQL,
  redshiftAdditiveColumns,
  redshiftMigrationSql,
} from "./migrate";

const redshift = mockClient(RedshiftDataClient);

/** A mocked Data API whose queries answer from `answers` (by SQL); every statement finishes. */
function world(answers: Map<string, Record<string, string>[]>) {
  const results = new Map<string, Record<string, string>[]>();
  let batches = 0;
  let queries = 0;
  redshift.reset();
  redshift.on(BatchExecuteStatementCommand).callsFake(() => ({ Id: `b-${++batches}` }));
  redshift.on(ExecuteStatementCommand).callsFake((input: { Sql: string }) => {
    const id = `q-${++queries}`;
    results.set(id, answers.get(input.Sql) ?? []);
    return { Id: id };
  });
  redshift
    .on(DescribeStatementCommand)
    .callsFake((input: { Id: string }) => ({ Id: input.Id, Status: "FINISHED" }));
  redshift.on(GetStatementResultCommand).callsFake((input: { Id: string }) => {
    const rows = results.get(input.Id) ?? [];
    const names = rows[0] ? Object.keys(rows[0]) : [];
    return {
      ColumnMetadata: names.map((name) => ({ name })),
      Records: rows.map((r) => names.map((n) => ({ stringValue: String(r[n]) }))),
      TotalNumRows: rows.length,
    };
  });
  const api = createRedshiftDataApi(new RedshiftDataClient({ region: "eu-west-2" }), {
    workgroupName: "etl",
    database: "dev",
  });
  return { api };
}

const everyColumn = redshiftAdditiveColumns().map((c) => ({
  table_schema: c.schema,
  table_name: c.table,
  column_name: c.column,
}));
const batchSqls = () => redshift.commandCalls(BatchExecuteStatementCommand).map((c) => c.args[0].input.Sqls);
const querySqls = () =>
  redshift
    .commandCalls(ExecuteStatementCommand)
    .map((c) => [c.args[0].input.Sql, c.args[0].input.Parameters]);
const options = {
  name: "etl-load-1a2b3c4d",
  deadline: Number.MAX_SAFE_INTEGER,
  sleep: async () => undefined,
};

beforeEach(() => {
  redshift.reset();
});

describe("migrateRedshift: one database identity for every loader (IAM sign-in)", () => {
  it("grants the loader role what this user owns, and the defaults of what it creates later", async () => {
    const { api } = world(
      new Map<string, Record<string, string>[]>([
        [EXISTING_COLUMNS_SQL, everyColumn],
        [LOADER_MEMBERSHIP_SQL, [{ role_name: "etl_loader" }]],
        [
          OWNED_OBJECTS_SQL,
          [
            { kind: "schema", schema_name: "warehouse", object_name: "warehouse" },
            { kind: "table", schema_name: "warehouse", object_name: "dim_date" },
            { kind: "table", schema_name: "etl", object_name: "loaded_files" },
          ],
        ],
      ]),
    );

    await migrateRedshift(api, options);

    expect(querySqls().slice(1)).toEqual([
      [
        "select role_name from svv_user_grants where user_name = current_user and role_name = :role",
        [{ name: "role", value: "etl_loader" }],
      ],
      [
        "select 'schema' as kind, nspname as schema_name, nspname as object_name from pg_namespace " +
          "where nspowner = current_user_id and nspname in (:schema, :control_schema) " +
          "union all select 'table', schemaname, tablename from pg_tables " +
          "where tableowner = current_user and schemaname in (:schema, :control_schema)",
        [
          { name: "schema", value: "warehouse" },
          { name: "control_schema", value: "etl" },
        ],
      ],
    ]);
    const batches = batchSqls();
    expect(batches.slice(0, -1).flat()).toEqual(redshiftMigrationSql());
    expect(batches.at(-1)).toEqual([
      'grant usage, create on schema "warehouse" to role "etl_loader"',
      'grant all on table "warehouse"."dim_date" to role "etl_loader"',
      'grant all on table "etl"."loaded_files" to role "etl_loader"',
      'alter default privileges in schema "warehouse" grant all on tables to role "etl_loader"',
      'alter default privileges in schema "etl" grant all on tables to role "etl_loader"',
    ]);
  });

  it("grants nothing when this user is not a member of the loader role (one user signs in by secret)", async () => {
    const { api } = world(new Map<string, Record<string, string>[]>([[EXISTING_COLUMNS_SQL, everyColumn]]));

    await migrateRedshift(api, options);

    expect(batchSqls().flat()).toEqual(redshiftMigrationSql());
    expect(querySqls().map(([sql]) => sql)).toEqual([EXISTING_COLUMNS_SQL, LOADER_MEMBERSHIP_SQL]);
  });
});
