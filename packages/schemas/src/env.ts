import { z } from "zod";

/**
 * Building blocks of the apps' env schemas. The CDK stacks build each function's environment
 * from the same schemas' keys, so a variable that is missing fails at synth.
 */
export const envBool = z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1");
export const envInt = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
export const bucketName = z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "must be an S3 bucket name");
export const tableName = z.string().regex(/^[A-Za-z0-9_.-]{3,255}$/, "must be a DynamoDB table name");
export const arn = z.string().regex(/^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:\d{0,12}:.+$/, "must be an ARN");
export const url = z.string().url();

/** Variables every app reads: region, local endpoints (unset on AWS), the alert topic. */
export const CommonEnvSchema = z.object({
  AWS_REGION: z.string().min(1).default("eu-west-2"),
  S3_ENDPOINT: url.optional(),
  DYNAMODB_ENDPOINT: url.optional(),
  /** `s3rver` when S3_ENDPOINT is the local cloud's s3rver (its quirks are worked around); local only. */
  ETL_LOCAL_S3: z.literal("s3rver").optional(),
  AUDIT_TABLE: tableName,
  FAILURE_TABLE: tableName,
  /** SNS topic for alerts; locally ALERT_FILE receives them instead. */
  ALERT_TOPIC_ARN: arn.optional(),
  ALERT_FILE: z.string().optional(),
  POWERTOOLS_SERVICE_NAME: z.string().optional(),
  /** TLS of database connections from secrets (see @etl/db credentials): verify-full by default. */
  DB_TLS: z.enum(["verify-full", "require", "disable"]).optional(),
  /** A PEM bundle (the Amazon RDS global bundle) trusted besides the system CAs. */
  DB_TLS_CA_FILE: z.string().min(1).optional(),
});
