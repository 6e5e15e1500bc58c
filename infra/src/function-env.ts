import { Token } from "aws-cdk-lib";
import type { z } from "zod";

/** Variables that only exist locally: a function on AWS must never see them. */
export const LOCAL_ONLY_KEYS = [
  "S3_ENDPOINT",
  "DYNAMODB_ENDPOINT",
  "DATABASE_URL",
  "WAREHOUSE_URL",
  "ALERT_FILE",
  "RULES_DATABASE_URL",
  "ETL_LOCAL_S3",
] as const;

/** Set by the Lambda runtime itself; setting them is refused by the Lambda API. */
const RESERVED_KEYS = new Set(["AWS_REGION", "AWS_DEFAULT_REGION", "AWS_LAMBDA_FUNCTION_NAME"]);

/** Keys the runtime or Powertools read that are not part of an app's config schema. */
const EXTRA_KEY = /^(POWERTOOLS_[A-Z_]+|NODE_OPTIONS)$/;

/** Issues about a string's shape, which a token's placeholder text cannot satisfy. */
const FORMAT_CODES = new Set<string>(["invalid_format", "too_small", "too_big"]);

/** The region the validation assumes: Lambda sets `AWS_REGION` itself. */
const VALIDATION_REGION = "eu-west-2";

export class EnvironmentError extends Error {
  override readonly name = "EnvironmentError";
  constructor(
    readonly functionName: string,
    readonly problems: readonly string[],
  ) {
    super(`${functionName}: invalid environment: ${problems.join("; ")}`);
  }
}

/**
 * Keeps only the values the app's config schema reads. For settings an app may or may not take
 * (`MAX_RECEIVE_COUNT`, the queue's redrive limit): infra knows the value, the app decides
 * whether it reads it, and `buildEnvironment` still refuses every key the schema does not know.
 *
 * @example
 * buildEnvironment("transform", schema, { ...values, ...whereRead(schema, { MAX_RECEIVE_COUNT: "5" }) });
 */
export function whereRead(
  schema: z.ZodObject,
  values: Record<string, string | undefined>,
): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(values).filter(([key]) => key in schema.shape));
}

/**
 * Builds a function's `environment` from its app's config schema and fails synth when the
 * schema would fail at cold start: every problem is listed by variable name. Values that are
 * CDK tokens (bucket and table names, ARNs resolved at deploy) count as present; only their
 * format cannot be checked before deploy. Local-only keys and keys unknown to the schema are
 * refused, so a typo cannot slip through.
 *
 * @example
 * const environment = buildEnvironment("ingest", IngestConfigSchema, {
 *   INGEST_BUCKET: bucket.bucketName, STATE_TABLE: table.tableName, DB_SECRET_ARN: arn,
 * });
 */
export function buildEnvironment(
  functionName: string,
  schema: z.ZodObject,
  values: Record<string, string | undefined>,
): Record<string, string> {
  const environment: Record<string, string> = {};
  const problems: string[] = [];
  const known = new Set(Object.keys(schema.shape));
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) continue;
    if ((LOCAL_ONLY_KEYS as readonly string[]).includes(key)) {
      problems.push(`${key}: local only, never set on AWS`);
    } else if (RESERVED_KEYS.has(key)) {
      problems.push(`${key}: reserved, set by the Lambda runtime`);
    } else if (!known.has(key) && !EXTRA_KEY.test(key)) {
      problems.push(`${key}: not read by the app's config schema`);
    } else {
      environment[key] = value;
    }
  }

  const tokenKeys = new Set(Object.keys(environment).filter((key) => Token.isUnresolved(environment[key])));
  const result = schema.safeParse({ AWS_REGION: VALIDATION_REGION, ...environment });
  if (!result.success) {
    for (const issue of result.error.issues) {
      const key = String(issue.path[0] ?? "");
      // A token is a non-empty string that resolves at deploy: its format cannot be judged here.
      if (tokenKeys.has(key) && FORMAT_CODES.has(issue.code)) continue;
      problems.push(`${key || "(env)"}: ${issue.message}`);
    }
  }
  if (problems.length > 0) throw new EnvironmentError(functionName, problems);
  return environment;
}
