import { describe, expect, it } from "vitest";
import { isSecretKey, redactSecrets, redactValue } from "./redact";

const ROLE = "arn:aws:iam::123456789012:role/RedshiftCopy";

describe("redactSecrets", () => {
  it.each([
    ["a connection URL's password", "postgres://etl:s3cret@db:5432/wh", "postgres://etl:***@db:5432/wh"],
    [
      "a URL password with escapes",
      "postgresql://etl:p%40ss%2Fw@db.example.com/wh?sslmode=require",
      "postgresql://etl:***@db.example.com/wh?sslmode=require",
    ],
    ["a URL without password", "postgres://etl@db:5432/wh", "postgres://etl@db:5432/wh"],
    ["an S3 URL", "s3://bucket/raw/a.jsonl.gz", "s3://bucket/raw/a.jsonl.gz"],
    ["ALTER USER ... PASSWORD", "ALTER USER etl PASSWORD 'it''s secret'", "ALTER USER etl PASSWORD '***'"],
    [
      "CREATE USER ... WITH PASSWORD",
      "CREATE USER etl WITH PASSWORD 'md5abc'",
      "CREATE USER etl WITH PASSWORD '***'",
    ],
    [
      "CREDENTIALS with keys and a token",
      "COPY s.t FROM 's3://b/k' CREDENTIALS 'aws_access_key_id=AKIAEXAMPLE;aws_secret_access_key=wJal/K7+MDENG;token=IQoJb3Jp' FORMAT AS PARQUET",
      "COPY s.t FROM 's3://b/k' CREDENTIALS 'aws_access_key_id=***;aws_secret_access_key=***;token=***' FORMAT AS PARQUET",
    ],
    [
      "CREDENTIALS with an IAM role, which is no secret",
      `COPY s.t FROM 's3://b/k' CREDENTIALS 'aws_iam_role=${ROLE}' FORMAT AS PARQUET`,
      `COPY s.t FROM 's3://b/k' CREDENTIALS 'aws_iam_role=${ROLE}' FORMAT AS PARQUET`,
    ],
    [
      "IAM_ROLE, which is no secret",
      `COPY s.t (a, b) FROM 's3://b/k' IAM_ROLE '${ROLE}' FORMAT AS PARQUET`,
      `COPY s.t (a, b) FROM 's3://b/k' IAM_ROLE '${ROLE}' FORMAT AS PARQUET`,
    ],
    [
      "ACCESS_KEY_ID, SECRET_ACCESS_KEY and SESSION_TOKEN",
      "COPY t FROM 's3://b/k' ACCESS_KEY_ID 'AKIAEXAMPLE' SECRET_ACCESS_KEY 'wJal/K7' SESSION_TOKEN 'IQo='",
      "COPY t FROM 's3://b/k' ACCESS_KEY_ID '***' SECRET_ACCESS_KEY '***' SESSION_TOKEN '***'",
    ],
    ["aws_secret_access_key=", "aws_secret_access_key=wJalrXUtnFEMI/K7MDENG", "aws_secret_access_key=***"],
    [
      "environment style keys and tokens",
      "AWS_SECRET_ACCESS_KEY=abc123 AWS_SESSION_TOKEN=def456 AWS_REGION=eu-west-2",
      "AWS_SECRET_ACCESS_KEY=*** AWS_SESSION_TOKEN=*** AWS_REGION=eu-west-2",
    ],
    [
      "a libpq connection string",
      "host=db user=etl password=s3cret dbname=wh",
      "host=db user=etl password=*** dbname=wh",
    ],
    [
      "a JSON secret",
      '{"username":"etl","password":"p@ss\\"word","host":"db"}',
      '{"username":"etl","password":"***","host":"db"}',
    ],
    [
      "a JSON session token",
      '{"accessKeyId":"AKIAEXAMPLE","secretAccessKey":"wJal","sessionToken":"IQo"}',
      '{"accessKeyId":"AKIAEXAMPLE","secretAccessKey":"***","sessionToken":"***"}',
    ],
    [
      "a presigned URL",
      "https://b.s3.amazonaws.com/k?X-Amz-Credential=AKIA%2F20261123&X-Amz-Security-Token=IQoJb3&X-Amz-Signature=abc123&x-id=GetObject",
      "https://b.s3.amazonaws.com/k?X-Amz-Credential=***&X-Amz-Security-Token=***&X-Amz-Signature=***&x-id=GetObject",
    ],
    ["a bearer token", "Authorization: Bearer eyJhbGciOi.eyJzdWIi.sig_-x", "Authorization: Bearer ***"],
    [
      "SQL with nothing secret",
      'MERGE INTO "warehouse"."dim_staff" t USING "staging"."dim_staff" s ON t.staff_id = s.staff_id',
      'MERGE INTO "warehouse"."dim_staff" t USING "staging"."dim_staff" s ON t.staff_id = s.staff_id',
    ],
    ["a column that merely mentions passwords", "SELECT password_hint FROM t", "SELECT password_hint FROM t"],
  ])("redacts %s", (_case, input, expected) => {
    expect(redactSecrets(input)).toBe(expected);
  });

  it("is idempotent", () => {
    const text =
      "postgres://etl:x@db/wh CREDENTIALS 'aws_access_key_id=A;aws_secret_access_key=B' PASSWORD 'c' password=d";

    const once = redactSecrets(text);

    expect(redactSecrets(once)).toBe(once);
    expect(once).not.toMatch(/x@|=A|=B|'c'|=d/);
  });
});

describe("redactValue", () => {
  it("redacts secret-named properties and secret-looking strings, deeply, without changing the input", () => {
    const input = {
      sql: "ALTER USER etl PASSWORD 'x'",
      password: "hunter2",
      nested: { dbPassword: "y", apiKey: 42, list: ["postgres://a:b@h/d", 1, null] },
      rows: 3,
    };

    const out = redactValue(input);

    expect(out).toEqual({
      sql: "ALTER USER etl PASSWORD '***'",
      password: "***",
      nested: { dbPassword: "***", apiKey: "***", list: ["postgres://a:***@h/d", 1, null] },
      rows: 3,
    });
    expect(input.password).toBe("hunter2");
  });

  it.each([
    ["password", true],
    ["DB_PASSWORD", true],
    ["passwd", true],
    ["secretArn", true],
    ["sessionToken", true],
    ["credentials", true],
    ["authorization", true],
    ["api_key", true],
    ["key", false],
    ["etag", false],
    ["statementId", false],
    ["table", false],
  ])("treats a property named %s as secret: %s", (name, expected) => {
    expect(isSecretKey(name)).toBe(expected);
  });
});
