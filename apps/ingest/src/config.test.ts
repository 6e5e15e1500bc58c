import { ConfigError, parseConfig } from "@etl/schemas";
import { describe, expect, it } from "vitest";
import { IngestConfigSchema } from "./config";

const valid = {
  INGEST_BUCKET: "etl-ingest",
  STATE_TABLE: "etl-state",
  AUDIT_TABLE: "etl-audit",
  FAILURE_TABLE: "etl-failures",
  DB_SECRET_ARN: "arn:aws:secretsmanager:eu-west-2:123456789012:secret:totesys-AbCdEf",
};

describe("IngestConfigSchema", () => {
  it("applies the defaults", () => {
    const config = parseConfig(IngestConfigSchema, valid);

    expect(config).toMatchObject({
      AWS_REGION: "eu-west-2",
      SAFETY_LAG_SECONDS: 60,
      PART_MAX_BYTES: 64 * 1024 * 1024,
      LATE_COMMIT_GUARD: "required",
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it("has no run budget unless one is set, and reads the rate of the slowest stage", () => {
    expect(parseConfig(IngestConfigSchema, valid)).toMatchObject({ RUN_ROWS_PER_SECOND: 20_000 });
    expect(parseConfig(IngestConfigSchema, valid).RUN_BUDGET_SECONDS).toBeUndefined();
    expect(parseConfig(IngestConfigSchema, { ...valid, RUN_BUDGET_SECONDS: "3" }).RUN_BUDGET_SECONDS).toBe(3);
    expect(() => parseConfig(IngestConfigSchema, { ...valid, RUN_BUDGET_SECONDS: "0" })).toThrow(ConfigError);
  });

  it("lists every problem at once, by variable", () => {
    let error: unknown;
    try {
      parseConfig(IngestConfigSchema, { INGEST_BUCKET: "Not_A_Bucket", SAFETY_LAG_SECONDS: "-1" });
    } catch (e) {
      error = e;
    }

    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.map((p) => p.split(":")[0]);
    expect(problems).toEqual(
      expect.arrayContaining([
        "INGEST_BUCKET",
        "STATE_TABLE",
        "AUDIT_TABLE",
        "FAILURE_TABLE",
        "SAFETY_LAG_SECONDS",
      ]),
    );
  });

  it("accepts only the late-commit guard's two modes", () => {
    expect(parseConfig(IngestConfigSchema, { ...valid, LATE_COMMIT_GUARD: "best-effort" })).toMatchObject({
      LATE_COMMIT_GUARD: "best-effort",
    });
    expect(() => parseConfig(IngestConfigSchema, { ...valid, LATE_COMMIT_GUARD: "off" })).toThrow(
      /LATE_COMMIT_GUARD/,
    );
  });

  it("needs a secret ARN or a URL for the database", () => {
    const { DB_SECRET_ARN: _, ...withoutDatabase } = valid;

    expect(() => parseConfig(IngestConfigSchema, withoutDatabase)).toThrow(
      /DB_SECRET_ARN: set DB_SECRET_ARN/,
    );
  });
});
