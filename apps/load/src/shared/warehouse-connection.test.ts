import { ExecuteStatementCommand, RedshiftDataClient } from "@aws-sdk/client-redshift-data";
import { parseConfig } from "@etl/schemas";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { LoadConfigSchema } from "./config";
import { createWarehouseConnection } from "./warehouse-connection";

const redshift = mockClient(RedshiftDataClient);

const BASE = {
  AUDIT_TABLE: "etl-audit",
  FAILURE_TABLE: "etl-failures",
  STATE_TABLE: "etl-state",
  PROCESSED_BUCKET: "etl-processed",
  WAREHOUSE_TARGET: "redshift",
  REDSHIFT_DATABASE: "analytics",
  REDSHIFT_COPY_ROLE_ARN: "arn:aws:iam::123456789012:role/etl-copy",
};

const resolve = async () => ({ connectionString: "postgres://unused.invalid/db" });

beforeEach(() => {
  redshift.reset();
  redshift.on(ExecuteStatementCommand).resolves({ Id: "s-1" });
});

describe("createWarehouseConnection", () => {
  it.each([
    [
      "a provisioned cluster with a secret",
      {
        REDSHIFT_CLUSTER_ID: "etl-cluster",
        REDSHIFT_SECRET_ARN: "arn:aws:secretsmanager:eu-west-2:1:secret:rs",
      },
      { ClusterIdentifier: "etl-cluster", SecretArn: "arn:aws:secretsmanager:eu-west-2:1:secret:rs" },
    ],
    ["a serverless workgroup", { REDSHIFT_WORKGROUP: "etl" }, { WorkgroupName: "etl" }],
  ])("sends statements to %s, in the configured database", async (_name, env, expected) => {
    const config = parseConfig(LoadConfigSchema, { ...BASE, ...env });
    const connection = createWarehouseConnection(config, { applicationName: "etl-load", resolve });

    const id = await connection.redshift().api.submit("select 1", "probe");

    expect(id).toBe("s-1");
    const [call] = redshift.commandCalls(ExecuteStatementCommand);
    expect(call?.args[0].input).toMatchObject({ Sql: "select 1", Database: "analytics", ...expected });
    expect(Object.keys(call?.args[0].input ?? {})).not.toContain(
      "ClusterIdentifier" in expected ? "WorkgroupName" : "ClusterIdentifier",
    );
  });

  it("builds the Redshift connection once and hands the same one to every caller", () => {
    const config = parseConfig(LoadConfigSchema, { ...BASE, REDSHIFT_WORKGROUP: "etl" });
    const connection = createWarehouseConnection(config, { applicationName: "etl-load", resolve });

    const first = connection.redshift();

    expect(connection.redshift()).toBe(first);
  });
});
