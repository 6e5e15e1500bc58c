import { IngestConfigSchema } from "@etl/ingest/config";
import { LoadConfigSchema } from "@etl/load/config";
import { TransformConfigSchema } from "@etl/transform/config";
import { Lazy } from "aws-cdk-lib";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { buildEnvironment, EnvironmentError, LOCAL_ONLY_KEYS, whereRead } from "./function-env";

const ARN = "arn:aws:secretsmanager:eu-west-2:123456789012:secret:etl/totesys-AbCdEf";
const COMMON = { AUDIT_TABLE: "etl-audit", FAILURE_TABLE: "etl-failure" };
const token = (value: string) => Lazy.string({ produce: () => value });

function problemsOf(build: () => unknown): readonly string[] {
  try {
    build();
  } catch (error) {
    if (error instanceof EnvironmentError) return error.problems;
    throw error;
  }
  return [];
}

describe("buildEnvironment", () => {
  it("returns the given variables, without the undefined ones", () => {
    const env = buildEnvironment("transform", TransformConfigSchema, {
      ...COMMON,
      INGEST_BUCKET: "etl-ingest",
      PROCESSED_BUCKET: "etl-processed",
      ALERT_TOPIC_ARN: undefined,
    });

    expect(env).toEqual({ ...COMMON, INGEST_BUCKET: "etl-ingest", PROCESSED_BUCKET: "etl-processed" });
  });

  it("accepts tokens (names resolved at deploy) where the schema wants a bucket or table name", () => {
    const env = buildEnvironment("ingest", IngestConfigSchema, {
      AUDIT_TABLE: token("etl-audit"),
      FAILURE_TABLE: token("etl-failure"),
      INGEST_BUCKET: token("etl-ingest"),
      STATE_TABLE: token("etl-state"),
      DB_SECRET_ARN: ARN,
    });

    expect(Object.keys(env).sort()).toEqual([
      "AUDIT_TABLE",
      "DB_SECRET_ARN",
      "FAILURE_TABLE",
      "INGEST_BUCKET",
      "STATE_TABLE",
    ]);
  });

  it.each([
    ["a required variable is missing", { ...COMMON, INGEST_BUCKET: "etl-ingest" }, "PROCESSED_BUCKET: "],
    [
      "a value has the wrong shape",
      { ...COMMON, INGEST_BUCKET: "Not A Bucket", PROCESSED_BUCKET: "p-b" },
      "INGEST_BUCKET: must be an S3 bucket name",
    ],
    [
      "a key is unknown to the schema",
      { ...COMMON, INGEST_BUCKET: "i-b", PROCESSED_BUCKET: "p-b", PART_ROW: "5" },
      "PART_ROW: not read by",
    ],
    [
      "a key is reserved by Lambda",
      { ...COMMON, INGEST_BUCKET: "i-b", PROCESSED_BUCKET: "p-b", AWS_REGION: "eu-west-1" },
      "AWS_REGION: reserved",
    ],
  ])("fails naming the variable when %s", (_, values, problem) => {
    const problems = problemsOf(() => buildEnvironment("transform", TransformConfigSchema, values));

    expect(problems.join("\n")).toContain(problem);
  });

  it.each(LOCAL_ONLY_KEYS)("never sets the local-only %s", (key) => {
    const values = {
      ...COMMON,
      INGEST_BUCKET: "i-b",
      PROCESSED_BUCKET: "p-b",
      [key]: "http://127.0.0.1:1/x",
    };

    const problems = problemsOf(() => buildEnvironment("transform", TransformConfigSchema, values));

    expect(problems).toEqual([`${key}: local only, never set on AWS`]);
  });

  it("runs the schema's cross-field rules: the ingest needs its database secret", () => {
    const problems = problemsOf(() =>
      buildEnvironment("ingest", IngestConfigSchema, {
        ...COMMON,
        INGEST_BUCKET: "i-b",
        STATE_TABLE: "etl-state",
      }),
    );

    expect(problems).toEqual(["DB_SECRET_ARN: set DB_SECRET_ARN (AWS) or DATABASE_URL (local)"]);
  });

  it("runs the schema's cross-field rules: Redshift needs a database and a COPY role", () => {
    const problems = problemsOf(() =>
      buildEnvironment("load", LoadConfigSchema, {
        ...COMMON,
        PROCESSED_BUCKET: "p-b",
        STATE_TABLE: "etl-state",
        WAREHOUSE_TARGET: "redshift",
        REDSHIFT_WORKGROUP: "etl",
      }),
    );

    expect(problems.join("\n")).toMatch(/WAREHOUSE_TARGET: .*REDSHIFT_DATABASE and REDSHIFT_COPY_ROLE_ARN/);
  });

  it("names a rule of the whole schema (no variable to blame) as (env)", () => {
    const schema = z
      .object({ FROM: z.string(), TO: z.string() })
      .refine((env) => env.FROM !== env.TO, "FROM and TO must differ");

    expect(problemsOf(() => buildEnvironment("copy", schema, { FROM: "a", TO: "a" }))).toEqual([
      "(env): FROM and TO must differ",
    ]);
  });

  it("lists every problem at once, with the function's name", () => {
    const build = () => buildEnvironment("transform", TransformConfigSchema, { S3_ENDPOINT: "http://x" });

    expect(build).toThrow(
      /^transform: invalid environment: S3_ENDPOINT: local only.*; AUDIT_TABLE: .*; FAILURE_TABLE/,
    );
  });

  it("passes an optional setting only to an app whose schema reads it (whereRead)", () => {
    const reads = z.object({ AUDIT_TABLE: z.string(), MAX_RECEIVE_COUNT: z.coerce.number().optional() });
    const ignores = z.object({ AUDIT_TABLE: z.string() });
    const optional = { MAX_RECEIVE_COUNT: "5" };

    expect(buildEnvironment("a", reads, { AUDIT_TABLE: "t", ...whereRead(reads, optional) })).toEqual({
      AUDIT_TABLE: "t",
      MAX_RECEIVE_COUNT: "5",
    });
    expect(buildEnvironment("b", ignores, { AUDIT_TABLE: "t", ...whereRead(ignores, optional) })).toEqual({
      AUDIT_TABLE: "t",
    });
    expect(problemsOf(() => buildEnvironment("b", ignores, { AUDIT_TABLE: "t", ...optional }))).toEqual([
      "MAX_RECEIVE_COUNT: not read by the app's config schema",
    ]);
  });
});
