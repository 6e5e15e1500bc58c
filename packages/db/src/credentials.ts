import { existsSync, readFileSync } from "node:fs";
import { rootCertificates } from "node:tls";
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
 * How a connection from a secret uses TLS (`DB_TLS`):
 * - `verify-full` (default): encrypted, the server's certificate must chain to a trusted CA and
 *   name the host it was reached by;
 * - `require`: encrypted but not verified (open to a man in the middle): only while a CA cannot
 *   be provided;
 * - `disable`: plain text, for a database on a private network that has no TLS.
 */
export type DbTlsMode = "verify-full" | "require" | "disable";
export const DB_TLS_MODES: readonly DbTlsMode[] = ["verify-full", "require", "disable"];

export interface DbTlsSettings {
  mode: DbTlsMode;
  /** A PEM bundle trusted besides Node's own CAs (the Amazon RDS global bundle, say). */
  caFile?: string;
}

/**
 * The Lambda Node.js runtimes from 20 on no longer load the Amazon CAs (RDS among them) into
 * Node's trust store, for cold-start speed; they ship them in this file instead.
 */
export const LAMBDA_CA_BUNDLE = "/var/runtime/ca-cert.pem";

/**
 * The TLS settings the environment names: `DB_TLS` (default `verify-full`) and `DB_TLS_CA_FILE`.
 * On Lambda with neither `DB_TLS_CA_FILE` nor `NODE_EXTRA_CA_CERTS` set, the runtime's Amazon CA
 * bundle is trusted, so an RDS or Redshift certificate verifies. An unknown mode is a `ConfigError`.
 */
export function dbTlsFromEnv(env: Readonly<Record<string, string | undefined>>): DbTlsSettings {
  const value = env.DB_TLS || "verify-full";
  const mode = DB_TLS_MODES.find((m) => m === value);
  if (mode === undefined) {
    const problem = `DB_TLS: must be verify-full, require or disable, got ${JSON.stringify(value)}`;
    throw new ConfigError(`invalid database TLS setting: ${problem}`, [problem]);
  }
  const caFile =
    env.DB_TLS_CA_FILE ||
    (env.AWS_LAMBDA_FUNCTION_NAME && !env.NODE_EXTRA_CA_CERTS ? LAMBDA_CA_BUNDLE : undefined);
  return mode === "verify-full" && caFile ? { mode, caFile } : { mode };
}

/** The `ssl` option of a pg client for these settings. */
export function sslOptions(
  settings: DbTlsSettings,
  fs: { readFile(path: string): string; exists(path: string): boolean } = {
    readFile: (path) => readFileSync(path, "utf8"),
    exists: existsSync,
  },
): pg.ClientConfig["ssl"] {
  if (settings.mode === "disable") return false;
  if (settings.mode === "require") return { rejectUnauthorized: false };
  if (settings.caFile === undefined) return { rejectUnauthorized: true };
  if (!fs.exists(settings.caFile)) {
    const problem = `DB_TLS_CA_FILE ${settings.caFile} does not exist: ship the bundle with the function or point the variable at it`;
    throw new ConfigError(problem, [problem]);
  }
  // A `ca` replaces Node's CAs: keep them, so a certificate from a public CA verifies too.
  return { rejectUnauthorized: true, ca: [...rootCertificates, fs.readFile(settings.caFile)] };
}

export interface ConnectionResolverOptions {
  /** TLS of connections from secrets; from `env` (default `process.env`) when not given. */
  tls?: DbTlsSettings;
  env?: Readonly<Record<string, string | undefined>>;
}

/**
 * Resolves pg connection settings from a secret (cached for `ttlMs`, so warm invocations skip
 * Secrets Manager and a rotated secret is picked up within the TTL) or from a URL. Neither the
 * secret value nor the password ever appears in an error message. Connections from a secret
 * verify the server's TLS certificate unless `DB_TLS` relaxes it; a URL's own `sslmode` decides
 * for a URL.
 */
export function createConnectionResolver(
  secrets: SecretsManagerClient | undefined,
  ttlMs = 5 * 60_000,
  options: ConnectionResolverOptions = {},
) {
  const tls = options.tls ?? dbTlsFromEnv(options.env ?? process.env);
  let ssl: pg.ClientConfig["ssl"] | undefined;
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
    // Read once per resolver, on the first secret: a missing CA file fails there, naming it.
    ssl ??= sslOptions(tls);
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
      ssl,
    };
    cache.set(arn, { config, at: Date.now() });
    return config;
  };
}
