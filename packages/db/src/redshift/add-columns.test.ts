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
import { addMissingRedshiftColumns, EXISTING_COLUMNS_SQL } from "./migrate";

const redshift = mockClient(RedshiftDataClient);

/** A mocked Data API whose catalog query answers `catalog`; every statement finishes. */
function world(catalog: Record<string, string>[]) {
  redshift.reset();
  redshift.on(BatchExecuteStatementCommand).resolves({ Id: "b-1" });
  redshift.on(ExecuteStatementCommand).resolves({ Id: "q-1" });
  redshift
    .on(DescribeStatementCommand)
    .callsFake((input: { Id: string }) => ({ Id: input.Id, Status: "FINISHED" }));
  const names = ["table_schema", "table_name", "column_name"];
  redshift.on(GetStatementResultCommand).resolves({
    ColumnMetadata: names.map((name) => ({ name })),
    Records: catalog.map((r) => names.map((n) => ({ stringValue: String(r[n]) }))),
    TotalNumRows: catalog.length,
  });
  return createRedshiftDataApi(new RedshiftDataClient({ region: "eu-west-2" }), {
    workgroupName: "etl",
    database: "dev",
  });
}

const options = { name: "etl-migrate", deadline: Number.MAX_SAFE_INTEGER, sleep: async () => undefined };

/** The worked example of docs/schema-change.md: a nullable discount rate on the fact and its staging table. */
const DISCOUNT_RATE = [
  { schema: "warehouse", table: "fact_sales_order", column: "discount_rate", type: "numeric(4,2)" },
  { schema: "warehouse", table: "stg_fact_sales_order", column: "discount_rate", type: "numeric(4,2)" },
];

beforeEach(() => {
  redshift.reset();
});

describe("addMissingRedshiftColumns", () => {
  it("asks the catalog, then adds each missing column with its own alter table, nullable", async () => {
    const api = world([]);

    const ran = await addMissingRedshiftColumns(api, DISCOUNT_RATE, options);

    expect(redshift.commandCalls(ExecuteStatementCommand).map((c) => c.args[0].input)).toEqual([
      expect.objectContaining({
        Sql: EXISTING_COLUMNS_SQL,
        Parameters: [
          { name: "schema", value: "warehouse" },
          { name: "control_schema", value: "etl" },
        ],
        WorkgroupName: "etl",
        Database: "dev",
      }),
    ]);
    const expected = [
      'alter table "warehouse"."fact_sales_order" add column "discount_rate" numeric(4,2)',
      'alter table "warehouse"."stg_fact_sales_order" add column "discount_rate" numeric(4,2)',
    ];
    expect(redshift.commandCalls(BatchExecuteStatementCommand).map((c) => c.args[0].input.Sqls)).toEqual([
      expected,
    ]);
    expect(ran).toEqual(expected);
  });

  it("sends no statement when the catalog lists the columns already: run twice, it changes nothing", async () => {
    const api = world(
      DISCOUNT_RATE.map((c) => ({ table_schema: c.schema, table_name: c.table, column_name: c.column })),
    );

    const ran = await addMissingRedshiftColumns(api, DISCOUNT_RATE, options);

    expect(ran).toEqual([]);
    expect(redshift.commandCalls(BatchExecuteStatementCommand)).toEqual([]);
  });
});
