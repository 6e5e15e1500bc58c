import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { cloud, type MotoServer, startMoto } from "@etl/local-cloud/testing";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createConnectionResolver } from "../../src/credentials";

// A secret in moto's Secrets Manager that points at the local PostgreSQL, which has no TLS.
let moto: MotoServer;
let secrets: SecretsManagerClient;
let secretArn: string;

beforeAll(async () => {
  moto = await startMoto();
  secrets = new SecretsManagerClient({
    region: moto.region,
    endpoint: moto.endpoint,
    credentials: moto.credentials,
  });
  const url = new URL(cloud().databaseUrl);
  const created = await secrets.send(
    new CreateSecretCommand({
      Name: "etl/warehouse",
      SecretString: JSON.stringify({
        host: url.hostname,
        port: Number(url.port),
        username: decodeURIComponent(url.username),
        password: decodeURIComponent(url.password),
        dbname: url.pathname.slice(1),
      }),
    }),
  );
  secretArn = created.ARN ?? "";
});

afterAll(async () => {
  secrets?.destroy();
  await moto?.stop();
});

async function connect(config: pg.ClientConfig): Promise<string> {
  const client = new pg.Client(config);
  await client.connect();
  try {
    const { rows } = await client.query<{ ok: string }>("select 'connected' as ok");
    return rows[0]?.ok ?? "";
  } finally {
    await client.end();
  }
}

describe("connections from a secret", () => {
  it("refuse a server without TLS by default (verify-full)", async () => {
    const resolve = createConnectionResolver(secrets, undefined, { env: {} });

    await expect(connect(await resolve({ secretArn }))).rejects.toThrow(/does not support SSL/);
  });

  it("connect to a local server without TLS with DB_TLS=disable", async () => {
    const resolve = createConnectionResolver(secrets, undefined, { env: { DB_TLS: "disable" } });

    expect(await connect(await resolve({ secretArn }))).toBe("connected");
  });

  it("connect with a local URL as before, whatever DB_TLS says", async () => {
    const resolve = createConnectionResolver(undefined, undefined, { env: { DB_TLS: "verify-full" } });

    expect(await connect(await resolve({ url: cloud().databaseUrl }))).toBe("connected");
  });
});
