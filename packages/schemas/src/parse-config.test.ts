import { describe, expect, it } from "vitest";
import { z } from "zod";
import { parseConfig } from "./config";
import { arn, bucketName, CommonEnvSchema, envBool, envInt, tableName } from "./env";
import { ConfigError } from "./errors";
import { isFactTable, isSourceTable, isStarTable } from "./tables";

const ExampleSchema = CommonEnvSchema.extend({
  DATA_BUCKET: bucketName,
  DRY_RUN: envBool,
  BATCH_SIZE: envInt(1, 100),
});

const base = {
  AUDIT_TABLE: "etl-audit",
  FAILURE_TABLE: "etl-failures",
  DATA_BUCKET: "etl-data",
  DRY_RUN: "1",
  BATCH_SIZE: "25",
};

describe("parseConfig", () => {
  it("parses an environment into a frozen config, with defaults and coercions applied", () => {
    const config = parseConfig(ExampleSchema, base);

    expect(config).toMatchObject({ AWS_REGION: "eu-west-2", DRY_RUN: true, BATCH_SIZE: 25 });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it("lists every problem at once, by variable name, and never echoes a value", () => {
    const secret = "arn:aws:secretsmanager:eu-west-2:123:secret:db";

    const error = (() => {
      try {
        parseConfig(ExampleSchema, {
          ...base,
          DATA_BUCKET: "Not_A_Bucket",
          BATCH_SIZE: "0",
          ALERT_TOPIC_ARN: `x${secret}`,
        });
      } catch (e) {
        return e;
      }
    })();

    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toMatch(/^invalid configuration: /);
    expect((error as ConfigError).problems.map((p) => p.split(":")[0]).sort()).toEqual([
      "ALERT_TOPIC_ARN",
      "BATCH_SIZE",
      "DATA_BUCKET",
    ]);
    expect((error as ConfigError).message).not.toContain(secret);
  });

  it("names a problem with the environment as a whole as (env)", () => {
    expect(() =>
      parseConfig(
        z.object({ A: z.string() }).refine(() => false, "never"),
        { A: "a" },
      ),
    ).toThrow("invalid configuration: (env): never");
  });
});

describe("env building blocks", () => {
  it.each([
    ["true", true],
    ["1", true],
    ["false", false],
    ["0", false],
  ])("envBool reads %s as %s", (text, value) => {
    expect(envBool.parse(text)).toBe(value);
  });

  it("refuses other spellings of a boolean, bad table names and non-ARNs", () => {
    expect(envBool.safeParse("yes").success).toBe(false);
    expect(tableName.safeParse("ab").success).toBe(false);
    expect(arn.safeParse("topic").success).toBe(false);
    expect(arn.safeParse("arn:aws:sns:eu-west-2:123456789012:alerts").success).toBe(true);
  });
});

describe("table name guards", () => {
  it.each([
    ["currency", true, false],
    ["dim_currency", false, true],
    ["fact_payment", false, true],
    ["payments", false, false],
    ["toString", false, false],
  ])("%s: source %s, star %s", (name, source, star) => {
    expect(isSourceTable(name)).toBe(source);
    expect(isStarTable(name)).toBe(star);
  });

  it("tells facts from dimensions", () => {
    expect(isFactTable("fact_sales_order")).toBe(true);
    expect(isFactTable("dim_date")).toBe(false);
  });
});
