import {
  BatchExecuteStatementCommand,
  DescribeStatementCommand,
  ExecuteStatementCommand,
  GetStatementResultCommand,
  RedshiftDataClient,
} from "@aws-sdk/client-redshift-data";
import type { FileLoadSpec } from "@etl/db/file-load";
import { FileRuleSchema } from "@etl/db/rules";
import { ConfigError } from "@etl/schemas";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createFilesDeps } from "./deps";

const redshift = mockClient(RedshiftDataClient);

const ENV = {
  AUDIT_TABLE: "etl-audit",
  FAILURE_TABLE: "etl-failures",
  STATE_TABLE: "etl-state",
  PROCESSED_BUCKET: "etl-processed",
  LANDING_BUCKET: "etl-landing",
  WAREHOUSE_TARGET: "redshift",
  REDSHIFT_WORKGROUP: "etl",
  REDSHIFT_DATABASE: "dev",
  REDSHIFT_COPY_ROLE_ARN: "arn:aws:iam::123456789012:role/etl-copy",
  RULES_DATABASE_URL: "postgres://localhost:5432/rules",
};

const spec: FileLoadSpec = {
  schema: "landed",
  table: "t",
  fields: [{ column: "id", dataType: "integer" }],
  mode: "append",
  keys: [],
  timeZone: "UTC",
  ledger: {
    controlSchema: "etl",
    key: "landed:etl-landing/odd/0123456789abcdef0123456789abcdef",
    runId: "files:odd",
    table: "landed.t",
    sha256: "c".repeat(64),
    rows: 1,
    loadedAt: new Date("2026-11-23T10:00:00.000Z"),
  },
};

beforeEach(() => {
  redshift.reset();
  // Every pause of the backoff is the shortest possible: the test counts submissions, not time.
  vi.spyOn(Math, "random").mockReturnValue(0);
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe("createFilesDeps", () => {
  it.each([0, 1, 4])(
    "resubmits a landed file's batch after 1023 as often as SERIALIZATION_RETRIES=%i says",
    async (retries) => {
      redshift.on(ExecuteStatementCommand).resolves({ Id: "ledger-1" });
      redshift
        .on(DescribeStatementCommand, { Id: "ledger-1" })
        .resolves({ Id: "ledger-1", Status: "FINISHED" });
      redshift.on(GetStatementResultCommand).resolves({ ColumnMetadata: [], Records: [] });
      redshift.on(BatchExecuteStatementCommand).resolves({ Id: "batch-1" });
      redshift.on(DescribeStatementCommand, { Id: "batch-1" }).resolves({
        Id: "batch-1",
        Status: "FAILED",
        Error: "ERROR: 1023 DETAIL: Serializable isolation violation on table - 101",
      });
      const { files } = createFilesDeps({ ...ENV, SERIALIZATION_RETRIES: String(retries) });
      const rule = FileRuleSchema.parse({
        name: "odd",
        keyGlob: "landing/*",
        format: "csv",
        target: { schema: "landed", table: "t" },
        columns: [{ name: "id" }],
      });

      const load = files.warehouse.load({
        rule,
        spec,
        bucket: "etl-landing",
        key: "processing/odd/0123456789abcdef0123456789abcdef.csv",
        deadline: Date.now() + 60_000,
      });

      await expect(load).rejects.toThrow(/1023/);
      expect(redshift.commandCalls(BatchExecuteStatementCommand)).toHaveLength(retries + 1);
    },
  );

  it("lists every missing setting of the landed-file loader at once", () => {
    const { LANDING_BUCKET: _landing, RULES_DATABASE_URL: _rules, ...env } = ENV;

    const build = () => createFilesDeps(env);

    expect(build).toThrow(ConfigError);
    expect(build).toThrow(
      expect.objectContaining({
        problems: [
          "LANDING_BUCKET: required by the landed-file loader",
          "RULES_DATABASE_URL or RULES_SECRET_ARN: required with the redshift target",
        ],
      }),
    );
  });

  it.each([
    ["RULES_SECRET_ARN", { RULES_SECRET_ARN: "arn:aws:secretsmanager:eu-west-2:123456789012:secret:rules" }],
    [
      "the PostgreSQL warehouse's own connection",
      { WAREHOUSE_TARGET: "postgres", WAREHOUSE_URL: "postgres://h/w" },
    ],
  ])("builds without a rules URL when %s names the rules database", (_name, extra) => {
    const { RULES_DATABASE_URL: _rules, ...env } = ENV;

    const deps = createFilesDeps({ ...env, ...extra });

    expect(deps.files.warehouse).toBeDefined();
  });
});
