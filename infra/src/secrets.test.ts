import { Stack } from "aws-cdk-lib";
import { describe, expect, it } from "vitest";
import { secretReadStatement, secretResource } from "./secrets";

const COMPLETE = "arn:aws:secretsmanager:eu-west-2:123456789012:secret:etl/totesys-AbCdEf";
const PARTIAL = "arn:aws:secretsmanager:eu-west-2:123456789012:secret:etl/totesys";

describe("secret grants", () => {
  it("keeps a complete secret ARN (ending in the six random characters) as it is", () => {
    expect(secretResource(COMPLETE)).toBe(COMPLETE);
  });

  it("matches a partial ARN (the name only) with the six characters Secrets Manager appends", () => {
    expect(secretResource(PARTIAL)).toBe(`${PARTIAL}-??????`);
  });

  it("grants reading the values of the named secrets and nothing else", () => {
    const statement = secretReadStatement([COMPLETE, PARTIAL]);

    expect(new Stack().resolve(statement.toStatementJson())).toEqual({
      Sid: "ReadSecretValues",
      Effect: "Allow",
      Action: "secretsmanager:GetSecretValue",
      Resource: [COMPLETE, `${PARTIAL}-??????`],
    });
  });
});
