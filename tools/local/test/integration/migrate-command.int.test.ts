import {
  BatchExecuteStatementCommand,
  DescribeStatementCommand,
  ExecuteStatementCommand,
  GetStatementResultCommand,
  RedshiftDataClient,
} from "@aws-sdk/client-redshift-data";
import { freshDatabase } from "@etl/local-cloud/testing";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { etl, isShort } from "./run-etl";

const saved = { ...process.env };
const redshift = mockClient(RedshiftDataClient);
let warehouseUrl = "";

beforeAll(async () => {
  warehouseUrl = await freshDatabase("migrate");
});
afterEach(() => {
  process.env = { ...saved };
  redshift.reset();
});
afterAll(() => {
  process.env = saved;
  redshift.restore();
});

describe("etl migrate", () => {
  it("creates the schema and the ledger on PostgreSQL, and a second run changes nothing", async () => {
    process.env.WAREHOUSE_URL = warehouseUrl;

    const first = await etl("migrate", "--schema", "mart");
    const second = await etl("migrate", "--schema", "mart");

    expect(first.code).toBe(0);
    expect(first.out).toMatch(
      /^postgres postgres:\/\/[^:]+:\*\*\*@.*: schema mart and the etl ledger are in place \(\d+ tables\)\n$/,
    );
    expect(second.out).toBe(first.out);
    expect(first.out).not.toContain(new URL(warehouseUrl).password);
  });

  it.each([
    ["postgres", /create schema if not exists "mart"/i],
    ["redshift", /create schema if not exists "mart"/i],
  ])("prints the %s SQL without running it", async (target, sql) => {
    const result = await etl("migrate", "--target", target, "--schema", "mart", "--print");

    expect(result.code).toBe(0);
    expect(result.out).toMatch(sql);
    expect(redshift.calls()).toEqual([]);
  });

  it.each([
    [["--target", "oracle"], /unknown target oracle/],
    [["--schema", "Drop Table"], /"Drop Table" is not a schema name/],
    [["--target", "redshift"], /needs REDSHIFT_WORKGROUP or REDSHIFT_CLUSTER_ID, and REDSHIFT_DATABASE/],
  ])("refuses %j as a usage error in one line", async (args, message) => {
    for (const key of ["REDSHIFT_WORKGROUP", "REDSHIFT_CLUSTER_ID", "REDSHIFT_DATABASE"])
      delete process.env[key];

    const result = await etl("migrate", ...args);

    expect(result.code).toBe(2);
    expect(result.err).toMatch(message);
    expect(isShort(result.err, 1)).toBe(true);
  });

  it("migrates Redshift through the Data API on the configured cluster", async () => {
    Object.assign(process.env, {
      REDSHIFT_CLUSTER_ID: "etl-cluster",
      REDSHIFT_DATABASE: "dev",
      REDSHIFT_SECRET_ARN: "arn:aws:secretsmanager:eu-west-2:123456789012:secret:rs",
    });
    redshift.on(BatchExecuteStatementCommand).resolves({ Id: "m-1" });
    redshift.on(ExecuteStatementCommand).resolves({ Id: "q-1" });
    redshift.on(DescribeStatementCommand).resolves({ Status: "FINISHED" });
    redshift.on(GetStatementResultCommand).resolves({ ColumnMetadata: [], Records: [] });

    const result = await etl("migrate", "--target", "redshift", "--schema", "mart");

    expect(result.err).toBe("");
    expect(result.code).toBe(0);
    expect(result.out).toContain("redshift: schema mart, its star, staging and ledger tables are in place");
    const sent = [
      ...redshift.commandCalls(BatchExecuteStatementCommand),
      ...redshift.commandCalls(ExecuteStatementCommand),
    ].map((c) => c.args[0].input);
    expect(sent.length).toBeGreaterThan(0);
    for (const input of sent)
      expect(input).toMatchObject({
        ClusterIdentifier: "etl-cluster",
        Database: "dev",
        SecretArn: "arn:aws:secretsmanager:eu-west-2:123456789012:secret:rs",
      });
  });

  it("migrates Redshift Serverless on a workgroup as its own IAM identity: no cluster, no secret sent", async () => {
    const saved = { ...process.env };
    delete process.env.REDSHIFT_CLUSTER_ID;
    delete process.env.REDSHIFT_SECRET_ARN;
    Object.assign(process.env, { REDSHIFT_WORKGROUP: "etl-wg", REDSHIFT_DATABASE: "dev" });
    redshift.on(BatchExecuteStatementCommand).resolves({ Id: "m-1" });
    redshift.on(ExecuteStatementCommand).resolves({ Id: "q-1" });
    redshift.on(DescribeStatementCommand).resolves({ Status: "FINISHED" });
    redshift.on(GetStatementResultCommand).resolves({ ColumnMetadata: [], Records: [] });
    try {
      const result = await etl("migrate", "--target", "redshift");

      expect(result.code).toBe(0);
      expect(result.out).toContain(
        "redshift: schema warehouse, its star, staging and ledger tables are in place",
      );
      const sent = [
        ...redshift.commandCalls(BatchExecuteStatementCommand),
        ...redshift.commandCalls(ExecuteStatementCommand),
      ].map((c) => c.args[0].input);
      expect(sent.length).toBeGreaterThan(0);
      for (const input of sent) {
        expect(input).toMatchObject({ WorkgroupName: "etl-wg", Database: "dev" });
        expect(input).not.toHaveProperty("ClusterIdentifier");
        expect(input).not.toHaveProperty("SecretArn");
      }
    } finally {
      process.env = saved;
    }
  });
});
