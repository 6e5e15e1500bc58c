import {
  DescribeStatementCommand,
  ExecuteStatementCommand,
  GetStatementResultCommand,
  RedshiftDataClient,
} from "@aws-sdk/client-redshift-data";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { createRedshiftReader } from "./redshift-reader";

const redshift = mockClient(RedshiftDataClient);
const target = {
  database: "dev",
  workgroupName: "etl",
  secretArn: "arn:aws:secretsmanager:eu-west-2:1:secret:x",
};
const where = { Database: "dev", WorkgroupName: "etl", SecretArn: target.secretArn };
const noWait = async () => undefined;

beforeEach(() => {
  redshift.reset();
});

describe("the Redshift reader", () => {
  it("runs the statement in a read-only session with named parameters, then rolls back", async () => {
    redshift
      .on(ExecuteStatementCommand, { Sql: "begin read only" })
      .resolves({ Id: "begin-1", SessionId: "session-1" })
      .on(ExecuteStatementCommand, { SessionId: "session-1", Sql: "select :from as a, :n as b" })
      .resolves({ Id: "select-1" })
      .on(ExecuteStatementCommand, { Sql: "rollback" })
      .resolves({ Id: "rollback-1" });
    redshift
      .on(DescribeStatementCommand)
      .resolvesOnce({ Status: "STARTED" })
      .resolves({ Status: "FINISHED" });
    redshift
      .on(GetStatementResultCommand)
      .resolvesOnce({
        ColumnMetadata: [{ name: "a" }, { name: "b" }],
        Records: [[{ stringValue: "2026-01-01" }, { longValue: 7 }]],
        NextToken: "page-2",
      })
      .resolves({
        ColumnMetadata: [{ name: "a" }, { label: "b" }],
        Records: [
          [{ isNull: true }, { doubleValue: 1.5 }],
          // A binary field reads as null: no page shows binary columns.
          [{ booleanValue: true }, { blobValue: new Uint8Array([1]) }],
        ],
      });
    const reader = createRedshiftReader({ client: new RedshiftDataClient({}), target, sleep: noWait });

    const rows = await reader.query("select :from as a, :n as b", { from: "2026-01-01", n: 7 });
    await reader.close();

    expect(rows).toEqual([
      { a: "2026-01-01", b: 7 },
      { a: null, b: 1.5 },
      { a: true, b: null },
    ]);
    expect(redshift.commandCalls(ExecuteStatementCommand).map((c) => c.args[0].input)).toEqual([
      { ...where, Sql: "begin read only", SessionKeepAliveSeconds: 60 },
      {
        Sql: "select :from as a, :n as b",
        SessionId: "session-1",
        Parameters: [
          { name: "from", value: "2026-01-01" },
          { name: "n", value: "7" },
        ],
      },
      { Sql: "rollback", SessionId: "session-1" },
    ]);
    expect(reader.name).toBe("Redshift etl/dev");
    expect(redshift.commandCalls(GetStatementResultCommand).map((c) => c.args[0].input)).toEqual([
      { Id: "select-1", NextToken: undefined },
      { Id: "select-1", NextToken: "page-2" },
    ]);
  });

  it("says a missing table is a warehouse not yet migrated, and still rolls back", async () => {
    redshift
      .on(ExecuteStatementCommand, { Sql: "begin read only" })
      .resolves({ Id: "begin-1", SessionId: "s" })
      .on(ExecuteStatementCommand, { Sql: "select 1 from warehouse.x" })
      .resolves({ Id: "select-1" })
      .on(ExecuteStatementCommand, { Sql: "rollback" })
      .resolves({ Id: "rollback-1" });
    redshift
      .on(DescribeStatementCommand, { Id: "begin-1" })
      .resolves({ Status: "FINISHED" })
      .on(DescribeStatementCommand, { Id: "select-1" })
      .resolves({ Status: "FAILED", Error: 'relation "warehouse.x" does not exist' });
    const reader = createRedshiftReader({
      client: new RedshiftDataClient({}),
      target: { database: "dev", clusterIdentifier: "c1", dbUser: "reader" },
      sleep: noWait,
    });

    await expect(reader.query("select 1 from warehouse.x")).rejects.toMatchObject({ kind: "missing" });
    expect(redshift.commandCalls(ExecuteStatementCommand).at(-1)?.args[0].input).toEqual({
      Sql: "rollback",
      SessionId: "s",
    });
    expect(redshift.commandCalls(ExecuteStatementCommand)[0]?.args[0].input).toMatchObject({
      ClusterIdentifier: "c1",
      DbUser: "reader",
    });
  });

  it("says when the Data API does not answer, and when a statement takes too long", async () => {
    redshift
      .on(ExecuteStatementCommand)
      .rejectsOnce(new Error("getaddrinfo ENOTFOUND"))
      .resolves({ Id: "b", SessionId: "s" });
    redshift.on(DescribeStatementCommand).resolves({ Status: "STARTED" });
    const reader = createRedshiftReader({
      client: new RedshiftDataClient({}),
      target,
      sleep: noWait,
      timeoutMs: 0,
    });

    await expect(reader.query("select 1")).rejects.toMatchObject({ kind: "unreachable" });
    await expect(reader.query("select 1")).rejects.toThrow("a Redshift query did not finish in 0 s");
  });

  it("refuses a parameter without a value before calling Redshift", async () => {
    const reader = createRedshiftReader({ client: new RedshiftDataClient({}), target, sleep: noWait });

    await expect(reader.query("select :x", {})).rejects.toThrow(
      "the SQL uses :x and no value was given for it",
    );
    expect(redshift.calls()).toEqual([]);
  });
});
