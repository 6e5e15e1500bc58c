import {
  ActiveStatementsExceededException,
  BatchExecuteStatementCommand,
  DescribeStatementCommand,
  ExecuteStatementCommand,
  GetStatementResultCommand,
  RedshiftDataClient,
  ValidationException,
} from "@aws-sdk/client-redshift-data";
import { DataError, TransientError } from "@etl/schemas";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { createRedshiftDataApi } from "./data-api";

const redshift = mockClient(RedshiftDataClient);
const client = new RedshiftDataClient({ region: "eu-west-2" });

beforeEach(() => {
  redshift.reset();
});

describe("createRedshiftDataApi", () => {
  it("submits a batch with the workgroup, database, secret, a short name and WithEvent", async () => {
    redshift.on(BatchExecuteStatementCommand).resolves({ Id: "stmt-1" });
    const api = createRedshiftDataApi(client, {
      workgroupName: "etl",
      database: "dev",
      secretArn: "arn:aws:secretsmanager:eu-west-2:123456789012:secret:rs",
    });

    const id = await api.submitBatch(["delete from x", "select 1"], "etl-load-1a2b3c4d");

    expect(id).toBe("stmt-1");
    expect(redshift.commandCalls(BatchExecuteStatementCommand)[0]?.args[0].input).toEqual({
      Database: "dev",
      WorkgroupName: "etl",
      SecretArn: "arn:aws:secretsmanager:eu-west-2:123456789012:secret:rs",
      Sqls: ["delete from x", "select 1"],
      StatementName: "etl-load-1a2b3c4d",
      WithEvent: true,
    });
  });

  it("sends values of a query as parameters, without an event, on a cluster with a database user", async () => {
    redshift.on(ExecuteStatementCommand).resolves({ Id: "stmt-2" });
    const api = createRedshiftDataApi(client, { clusterIdentifier: "c1", database: "dev", dbUser: "etl" });

    await api.submit("select 1 where x = :run_id", "etl-load-x", { run_id: "r1", n: 3 });

    expect(redshift.commandCalls(ExecuteStatementCommand)[0]?.args[0].input).toEqual({
      Database: "dev",
      ClusterIdentifier: "c1",
      DbUser: "etl",
      Sql: "select 1 where x = :run_id",
      StatementName: "etl-load-x",
      Parameters: [
        { name: "run_id", value: "r1" },
        { name: "n", value: "3" },
      ],
    });
  });

  it("sends no Parameters for a query without values (the Data API wants at least one when present)", async () => {
    redshift.on(ExecuteStatementCommand).resolves({ Id: "stmt-3" });
    const api = createRedshiftDataApi(client, { clusterIdentifier: "c1", database: "dev", dbUser: "etl" });

    await api.submit("select current_user", "etl-load-y", {});

    expect(redshift.commandCalls(ExecuteStatementCommand)[0]?.args[0].input).toEqual({
      Database: "dev",
      ClusterIdentifier: "c1",
      DbUser: "etl",
      Sql: "select current_user",
      StatementName: "etl-load-y",
    });
  });

  it("singles out the failed sub-statement of a batch, with its SQL and query id", async () => {
    redshift.on(DescribeStatementCommand).resolves({
      Id: "stmt-1",
      Status: "FAILED",
      Error: "batch failed",
      SubStatements: [
        { Id: "stmt-1:1", Status: "FINISHED", QueryString: "delete from s" },
        {
          Id: "stmt-1:2",
          Status: "FAILED",
          Error: "Load into table failed",
          QueryString: "copy s",
          RedshiftQueryId: 42,
        },
        { Id: "stmt-1:3", Status: "ABORTED", QueryString: "merge" },
      ],
    });
    const api = createRedshiftDataApi(client, { workgroupName: "etl", database: "dev" });

    const status = await api.describe("stmt-1");

    expect(status).toEqual({
      id: "stmt-1",
      state: "FAILED",
      error: "Load into table failed",
      failedSql: "copy s",
      failedQueryId: 42,
      failedIndex: 1,
    });
  });

  it("reads every page of a result into rows named by the column metadata", async () => {
    redshift
      .on(GetStatementResultCommand, { Id: "q" })
      .resolvesOnce({
        ColumnMetadata: [{ name: "key" }, { name: "rows" }],
        Records: [[{ stringValue: "a" }, { longValue: 1 }]],
        NextToken: "t2",
        TotalNumRows: 2,
      })
      .resolvesOnce({
        ColumnMetadata: [{ name: "key" }, { name: "rows" }],
        Records: [[{ stringValue: "b" }, { isNull: true }]],
        TotalNumRows: 2,
      });
    const api = createRedshiftDataApi(client, { workgroupName: "etl", database: "dev" });

    const rows = await api.rows("q");

    expect(rows).toEqual([
      { key: "a", rows: 1 },
      { key: "b", rows: null },
    ]);
    expect(redshift.commandCalls(GetStatementResultCommand)[1]?.args[0].input).toEqual({
      Id: "q",
      NextToken: "t2",
    });
  });

  it("maps too many active statements to a retryable error and a refused request to a data error", async () => {
    const api = createRedshiftDataApi(client, { workgroupName: "etl", database: "dev" });
    redshift
      .on(BatchExecuteStatementCommand)
      .rejectsOnce(new ActiveStatementsExceededException({ message: "too many", $metadata: {} }))
      .rejectsOnce(new ValidationException({ message: "bad", $metadata: {} }));

    await expect(api.submitBatch(["select 1"], "n")).rejects.toBeInstanceOf(TransientError);
    await expect(api.submitBatch(["select 1"], "n")).rejects.toBeInstanceOf(DataError);
  });

  it("reads every kind of field: doubles, booleans, blobs as base64, unnamed columns by position", async () => {
    redshift.on(GetStatementResultCommand, { Id: "q" }).resolves({
      ColumnMetadata: [{ name: "ratio" }, { label: "ok" }, { name: "bytes" }, {}],
      Records: [
        [
          { doubleValue: 0.25 },
          { booleanValue: true },
          { blobValue: Uint8Array.from([1, 2, 3]) },
          { isNull: true },
        ],
      ],
    });
    const api = createRedshiftDataApi(client, { workgroupName: "etl", database: "dev" });

    const rows = await api.rows("q");

    expect(rows).toEqual([{ ratio: 0.25, ok: true, bytes: "AQID", column_4: null }]);
  });

  it("describes a statement with its times, and the SQL and query id of a failed single statement", async () => {
    const created = new Date("2026-11-23T10:00:00Z");
    const updated = new Date("2026-11-23T10:00:05Z");
    redshift.on(DescribeStatementCommand, { Id: "one" }).resolves({
      Id: "one",
      Status: "FAILED",
      Error: "ERROR: relation missing",
      CreatedAt: created,
      UpdatedAt: updated,
      QueryString: "select * from missing",
      RedshiftQueryId: 42,
    });
    redshift.on(DescribeStatementCommand, { Id: "new" }).resolves({ Id: "new" });
    const api = createRedshiftDataApi(client, { workgroupName: "etl", database: "dev" });

    const failed = await api.describe("one");
    const submitted = await api.describe("new");

    expect(failed).toEqual({
      id: "one",
      state: "FAILED",
      error: "ERROR: relation missing",
      createdAt: created,
      updatedAt: updated,
      failedSql: "select * from missing",
      failedQueryId: 42,
    });
    expect(submitted).toEqual({ id: "new", state: "SUBMITTED" });
  });

  it("refuses an answer without a statement id as retryable, and maps every call's errors", async () => {
    redshift.on(BatchExecuteStatementCommand).resolves({});
    redshift
      .on(ExecuteStatementCommand)
      .resolvesOnce({})
      .rejectsOnce(new ValidationException({ message: "bad sql", $metadata: {} }));
    redshift
      .on(DescribeStatementCommand)
      .rejects(new ValidationException({ message: "no such id", $metadata: {} }));
    redshift.on(GetStatementResultCommand).rejects("connection reset");
    const api = createRedshiftDataApi(client, { workgroupName: "etl", database: "dev" });

    await expect(api.submitBatch(["select 1"], "n")).rejects.toThrow(
      "BatchExecuteStatement returned no statement id",
    );
    await expect(api.submit("select 1", "n")).rejects.toThrow("ExecuteStatement returned no statement id");
    await expect(api.submit("select 1", "n")).rejects.toMatchObject({
      retryable: false,
      message: "ExecuteStatement: ValidationException: bad sql",
    });
    await expect(api.describe("gone")).rejects.toMatchObject({
      retryable: false,
      code: "REDSHIFT_ValidationException",
    });
    await expect(api.rows("q")).rejects.toBeInstanceOf(TransientError);
  });
});
