import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { DataError } from "@etl/schemas";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { createConnectionResolver } from "./credentials";

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
