import { GetSecretValueCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { ConfigError, DataError, TransientError } from "@etl/schemas";
import type pg from "pg";
import { z } from "zod";

/** The RDS / Redshift secret format Secrets Manager rotates. */
const SecretSchema = z.object({
  host: z.string().min(1),
  port: z.coerce.number().int().positive().default(5432),
  username: z.string().min(1),
  password: z.string().min(1),
  dbname: z.string().min(1).optional(),
  database: z.string().min(1).optional(),
});

export interface ConnectionSource {
  /** Secrets Manager secret ARN (on AWS). */
  secretArn?: string | undefined;
  /** A connection URL (locally). */
  url?: string | undefined;
}

/**
 * Resolves pg connection settings from a secret (cached for `ttlMs`, so warm invocations skip
 * Secrets Manager and a rotated secret is picked up within the TTL) or from a URL. Neither the
 * secret value nor the password ever appears in an error message.
 */
export function createConnectionResolver(secrets: SecretsManagerClient | undefined, ttlMs = 5 * 60_000) {
  const cache = new Map<string, { config: pg.ClientConfig; at: number }>();
  return async function resolve(source: ConnectionSource): Promise<pg.ClientConfig> {
    if (source.url) return { connectionString: source.url };
    const arn = source.secretArn;
    if (!arn) throw new ConfigError("no database connection configured", ["set a secret ARN or a URL"]);
    const hit = cache.get(arn);
    if (hit && Date.now() - hit.at < ttlMs) return hit.config;
    if (!secrets)
      throw new ConfigError("a secret ARN needs a Secrets Manager client", ["secrets client missing"]);
    let text: string | undefined;
    try {
      text = (await secrets.send(new GetSecretValueCommand({ SecretId: arn }))).SecretString;
    } catch (error) {
      throw new TransientError(`could not read secret ${arn}: ${(error as Error).name}`, { cause: error });
    }
    let parsed: z.infer<typeof SecretSchema>;
    try {
      parsed = SecretSchema.parse(JSON.parse(text ?? ""));
    } catch {
      // The parse error could quote the secret's text: say only which fields are expected.
      throw new DataError(
        `secret ${arn} is not a JSON object with host, port, username, password and dbname`,
      );
    }
    const config: pg.ClientConfig = {
      host: parsed.host,
      port: parsed.port,
      user: parsed.username,
      password: parsed.password,
      database: parsed.dbname ?? parsed.database ?? "postgres",
      ssl: { rejectUnauthorized: false },
    };
    cache.set(arn, { config, at: Date.now() });
    return config;
  };
}
