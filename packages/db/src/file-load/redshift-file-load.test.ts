import {
  BatchExecuteStatementCommand,
  DescribeStatementCommand,
  ExecuteStatementCommand,
  GetStatementResultCommand,
  RedshiftDataClient,
} from "@aws-sdk/client-redshift-data";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { LoadDataError, LoadTransientError } from "../errors";
import { createRedshiftDataApi } from "../redshift/data-api";
import type { FileLoadSpec } from "./file-load-spec";
import { createRedshiftFileLoader } from "./redshift-file-load";
import { redshiftFileBatchSql } from "./redshift-file-sql";

const redshift = mockClient(RedshiftDataClient);
const api = createRedshiftDataApi(new RedshiftDataClient({ region: "eu-west-2" }), {
  workgroupName: "etl",
  database: "dev",
});
const wait = { deadline: Number.MAX_SAFE_INTEGER, sleep: async () => undefined };

const spec: FileLoadSpec = {
  schema: "sales",
  table: "orders",
  fields: [
    { column: "order_id", dataType: "integer" },
    { column: "amount", dataType: "numeric" },
  ],
  mode: "merge",
  keys: ["order_id"],
  timeZone: "UTC",
  followUp: "reporting.refresh_sales",
  ledger: {
    controlSchema: "etl",
    key: "landed:etl-landing/sales/0123456789abcdef0123456789abcdef",
    runId: "files:sales",
    table: "sales.orders",
    sha256: "b".repeat(64),
    rows: 2,
    loadedAt: new Date("2026-11-23T14:00:00.000Z"),
  },
};
const source = {
  uri: "s3://etl-landing/processing/sales/2026/11/23/0123456789abcdef0123456789abcdef.csv",
  iamRoleArn: "arn:aws:iam::123456789012:role/etl-copy",
  format: { kind: "csv", delimiter: ";", quote: '"', escape: '"' },
  gzip: false,
} as const;

beforeEach(() => {
  redshift.reset();
});

describe("createRedshiftFileLoader", () => {
  it("reads the target's columns with the schema and table as parameters", async () => {
    redshift.on(ExecuteStatementCommand).resolves({ Id: "q-1" });
    redshift.on(DescribeStatementCommand).resolves({ Id: "q-1", Status: "FINISHED" });
    redshift.on(GetStatementResultCommand).resolves({
      ColumnMetadata: [{ name: "column_name" }, { name: "data_type" }],
      Records: [
        [{ stringValue: "order_id" }, { stringValue: "integer" }],
        [{ stringValue: "sold_at" }, { stringValue: "timestamp without time zone" }],
      ],
    });
    const loader = createRedshiftFileLoader(api);

    const columns = await loader.columns("sales", "orders'; drop table x; --", wait);

    expect(columns).toEqual([
      { name: "order_id", dataType: "integer" },
      { name: "sold_at", dataType: "timestamp without time zone" },
    ]);
    expect(redshift.commandCalls(ExecuteStatementCommand)[0]?.args[0].input).toEqual({
      Database: "dev",
      WorkgroupName: "etl",
      Sql:
        "select column_name, data_type from information_schema.columns " +
        "where table_schema = :schema and table_name = :table order by ordinal_position",
      StatementName: "etl-file-columns",
      Parameters: [
        { name: "schema", value: "sales" },
        { name: "table", value: "orders'; drop table x; --" },
      ],
    });
  });

  it("asks the ledger for the object version with the key as a parameter", async () => {
    redshift.on(ExecuteStatementCommand).resolves({ Id: "q-2" });
    redshift.on(DescribeStatementCommand).resolves({ Id: "q-2", Status: "FINISHED" });
    redshift.on(GetStatementResultCommand).resolves({ ColumnMetadata: [{ name: "?column?" }], Records: [] });
    const loader = createRedshiftFileLoader(api);

    const loaded = await loader.isLoaded("etl", spec.ledger.key, wait);

    expect(loaded).toBe(false);
    expect(redshift.commandCalls(ExecuteStatementCommand)[0]?.args[0].input).toMatchObject({
      Sql: `select 1 from "etl"."loaded_files" where "key" = :key`,
      Parameters: [{ name: "key", value: spec.ledger.key }],
    });
  });

  it("submits the load as one batch and polls it to FINISHED", async () => {
    redshift.on(BatchExecuteStatementCommand).resolves({ Id: "b-1" });
    redshift
      .on(DescribeStatementCommand)
      .resolvesOnce({ Id: "b-1", Status: "STARTED" })
      .resolves({ Id: "b-1", Status: "FINISHED" });
    const loader = createRedshiftFileLoader(api);

    const id = await loader.submit(spec, source, "etl-file-1a2b3c4d");
    const status = await loader.wait(id, spec, wait);

    expect(status.state).toBe("FINISHED");
    expect(redshift.commandCalls(DescribeStatementCommand)).toHaveLength(2);
    expect(redshift.commandCalls(BatchExecuteStatementCommand)[0]?.args[0].input).toEqual({
      Database: "dev",
      WorkgroupName: "etl",
      Sqls: redshiftFileBatchSql(spec, source),
      StatementName: "etl-file-1a2b3c4d",
      WithEvent: true,
    });
  });

  it("returns a statement still running at the deadline without failing it", async () => {
    redshift.on(DescribeStatementCommand).resolves({ Id: "b-2", Status: "STARTED" });
    const loader = createRedshiftFileLoader(api);

    const status = await loader.wait("b-2", spec, { deadline: 0, now: () => 1 });

    expect(status.state).toBe("STARTED");
  });

  it.each([
    ["a rejected COPY", "FAILED", "Load into table 'etl_file_stage' failed", LoadDataError],
    [
      "a serializable isolation violation",
      "FAILED",
      "ERROR: 1023 Serializable isolation violation",
      LoadTransientError,
    ],
    ["a cancelled statement", "ABORTED", "cancelled", LoadDataError],
  ])("maps %s to the right error, naming the failed sub-statement", async (_, state, error, kind) => {
    redshift.on(DescribeStatementCommand).resolves({
      Id: "b-3",
      Status: state as "FAILED" | "ABORTED",
      SubStatements: [
        { Id: "b-3:1", Status: "FINISHED", QueryString: "create temp table" },
        {
          Id: "b-3:2",
          Status: state as "FAILED",
          Error: error,
          QueryString: "copy ...",
          RedshiftQueryId: 77,
        },
      ],
    });
    const loader = createRedshiftFileLoader(api);

    const failure = await loader.wait("b-3", spec, wait).catch((e: unknown) => e);

    expect(failure).toBeInstanceOf(kind);
    expect((failure as LoadDataError).context).toMatchObject({
      table: "sales.orders",
      statementId: "b-3",
      sql: "copy ...",
      details: { failedIndex: 1, queryId: 77 },
    });
  });
});
