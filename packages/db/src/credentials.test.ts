import { rootCertificates } from "node:tls";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { ConfigError, DataError } from "@etl/schemas";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { createConnectionResolver, dbTlsFromEnv, LAMBDA_CA_BUNDLE, sslOptions } from "./credentials";

const arn = "arn:aws:secretsmanager:eu-west-2:123456789012:secret:totesys-AbCdEf";
const secrets = mockClient(SecretsManagerClient);
beforeEach(() => secrets.reset());

describe("createConnectionResolver", () => {
  it("reads the secret once and serves warm calls from the cache", async () => {
    secrets.on(GetSecretValueCommand).resolves({
      SecretString: JSON.stringify({
        host: "db.example",
        port: 5432,
        username: "etl",
        password: "s3cr3t!",
        dbname: "totesys",
      }),
    });
    const resolve = createConnectionResolver(new SecretsManagerClient({ region: "eu-west-2" }));

    const first = await resolve({ secretArn: arn });
    const second = await resolve({ secretArn: arn });

    expect(first).toMatchObject({
      host: "db.example",
      port: 5432,
      user: "etl",
      password: "s3cr3t!",
      database: "totesys",
    });
    expect(first.ssl).toEqual({ rejectUnauthorized: true });
    expect(second).toBe(first);
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    expect(secrets.commandCalls(GetSecretValueCommand)[0]?.args[0].input).toEqual({ SecretId: arn });
  });

  it("never quotes the secret's text when it is malformed", async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: '{"host":"h","password":"hunter2"}' });
    const resolve = createConnectionResolver(new SecretsManagerClient({ region: "eu-west-2" }));

    const result = resolve({ secretArn: arn });

    await expect(result).rejects.toBeInstanceOf(DataError);
    await expect(result).rejects.not.toThrow(/hunter2/);
  });

  it("uses a URL as it is, without Secrets Manager", async () => {
    const resolve = createConnectionResolver(undefined);

    const config = await resolve({ url: "postgres://u:p@127.0.0.1:5432/totesys" });

    expect(config).toEqual({ connectionString: "postgres://u:p@127.0.0.1:5432/totesys" });
  });
});

const secretText = JSON.stringify({
  host: "db.example",
  port: 5432,
  username: "etl",
  password: "pw",
  dbname: "wh",
});

describe("database TLS", () => {
  it("verifies the server's certificate and host name by default", async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: secretText });
    const resolve = createConnectionResolver(new SecretsManagerClient({ region: "eu-west-2" }), undefined, {
      env: {},
    });

    const config = await resolve({ secretArn: arn });

    expect(config.ssl).toEqual({ rejectUnauthorized: true });
  });

  it("adds a CA bundle file to the system CAs with DB_TLS_CA_FILE", () => {
    const ssl = sslOptions(dbTlsFromEnv({ DB_TLS_CA_FILE: "/opt/rds/global-bundle.pem" }), {
      readFile: (path) => `PEM OF ${path}`,
      exists: () => true,
    });

    expect(ssl).toEqual({
      rejectUnauthorized: true,
      ca: [...rootCertificates, "PEM OF /opt/rds/global-bundle.pem"],
    });
  });

  it("on Lambda, trusts the runtime's Amazon CA bundle (RDS included) when nothing else is named", () => {
    const settings = dbTlsFromEnv({ AWS_LAMBDA_FUNCTION_NAME: "etl-load" });

    const ssl = sslOptions(settings, { readFile: () => "AMAZON CAS", exists: (p) => p === LAMBDA_CA_BUNDLE });

    expect(settings).toEqual({ mode: "verify-full", caFile: LAMBDA_CA_BUNDLE });
    expect(ssl).toEqual({ rejectUnauthorized: true, ca: [...rootCertificates, "AMAZON CAS"] });
  });

  it("on Lambda, leaves the CAs to NODE_EXTRA_CA_CERTS when that is set", () => {
    expect(dbTlsFromEnv({ AWS_LAMBDA_FUNCTION_NAME: "etl-load", NODE_EXTRA_CA_CERTS: "/x.pem" })).toEqual({
      mode: "verify-full",
    });
  });

  it("encrypts without verifying with DB_TLS=require, and connects in plain text with DB_TLS=disable", async () => {
    expect(sslOptions(dbTlsFromEnv({ DB_TLS: "require" }))).toEqual({ rejectUnauthorized: false });
    expect(sslOptions(dbTlsFromEnv({ DB_TLS: "disable" }))).toBe(false);

    secrets.on(GetSecretValueCommand).resolves({ SecretString: secretText });
    const resolve = createConnectionResolver(new SecretsManagerClient({ region: "eu-west-2" }), undefined, {
      env: { DB_TLS: "disable" },
    });
    expect((await resolve({ secretArn: arn })).ssl).toBe(false);
  });

  it("refuses an unknown DB_TLS value, and a CA file that does not exist", () => {
    expect(() => dbTlsFromEnv({ DB_TLS: "off" })).toThrow(ConfigError);
    expect(() => dbTlsFromEnv({ DB_TLS: "off" })).toThrow(/DB_TLS: must be verify-full, require or disable/);
    expect(() =>
      sslOptions(
        { mode: "verify-full", caFile: "/no/such.pem" },
        { readFile: () => "", exists: () => false },
      ),
    ).toThrow("DB_TLS_CA_FILE /no/such.pem does not exist");
  });
});
