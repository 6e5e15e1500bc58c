import { arn, bucketName, CommonEnvSchema, envInt, tableName, url } from "@etl/schemas/env";
import { z } from "zod";

/** The load functions' environment (run loader, landed-file loader, statement completion). */
export const LoadConfigSchema = CommonEnvSchema.extend({
  PROCESSED_BUCKET: bucketName,
  LANDING_BUCKET: bucketName.optional(),
  STATE_TABLE: tableName,
  WAREHOUSE_TARGET: z.enum(["postgres", "redshift"]).default("postgres"),
  /** PostgreSQL warehouse: a Secrets Manager secret (AWS) or a URL (local). */
  WAREHOUSE_SECRET_ARN: arn.optional(),
  WAREHOUSE_URL: url.optional(),
  WAREHOUSE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/)
    .default("warehouse"),
  /** Redshift: serverless workgroup or provisioned cluster, database, COPY role. */
  REDSHIFT_WORKGROUP: z.string().optional(),
  REDSHIFT_CLUSTER_ID: z.string().optional(),
  REDSHIFT_DATABASE: z.string().optional(),
  REDSHIFT_SECRET_ARN: arn.optional(),
  REDSHIFT_COPY_ROLE_ARN: arn.optional(),
  /** How long to poll a Redshift statement before handing it to the completion handler. */
  POLL_BUDGET_SECONDS: envInt(1, 900).default(600),
  /**
   * PostgreSQL: connections a run's tables are staged on at once (COPY into shared staging
   * tables); the merge is still the run's one transaction. 1 stages on the run's own connection.
   */
  STAGING_CONNECTIONS: envInt(1, 8).default(2),
  /** Time kept back from the Lambda's remaining time when polling: enough to record a hand-off. */
  HANDOFF_MARGIN_SECONDS: envInt(1, 300).default(30),
  /** Resubmissions of a table's batch after a serializable isolation violation (Redshift 1023). */
  SERIALIZATION_RETRIES: envInt(0, 20).default(5),
  /** The sweep alerts about a handed-off statement still running after this long. */
  STUCK_STATEMENT_MINUTES: envInt(5, 1440).default(60),
  /** Where the file-load rules live (a PostgreSQL control schema); the warehouse URL by default. */
  RULES_DATABASE_URL: url.optional(),
  RULES_SECRET_ARN: arn.optional(),
  /** Landed files: the control schema of the rules table (in the rules database). */
  FILE_RULES_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/)
    .default("etl_control"),
  /** Landed files: the warehouse schema of the load ledger (`loaded_files`). */
  FILE_LEDGER_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/)
    .default("etl"),
  /** Landed files: the follow-up procedures rules may call, comma-separated `schema.procedure`. */
  FILE_FOLLOW_UPS: z
    .string()
    .regex(
      /^([a-z_][a-z0-9_]{0,62}\.[a-z_][a-z0-9_]{0,62})?(,[a-z_][a-z0-9_]{0,62}\.[a-z_][a-z0-9_]{0,62})*$/,
    )
    .default(""),
  /** Landed files: the EventBridge bus of status events; locally FILE_EVENTS_FILE (or next to ALERT_FILE). */
  FILE_EVENT_BUS: z.string().min(1).optional(),
  FILE_EVENTS_FILE: z.string().optional(),
  /** The queue's `maxReceiveCount` (3, as the stack sets it): a failure on that receive is dead-lettered. */
  MAX_RECEIVE_COUNT: envInt(1, 1000).default(3),
})
  .refine((c) => c.WAREHOUSE_TARGET !== "postgres" || c.WAREHOUSE_SECRET_ARN || c.WAREHOUSE_URL, {
    message: "the postgres target needs WAREHOUSE_SECRET_ARN (AWS) or WAREHOUSE_URL (local)",
    path: ["WAREHOUSE_SECRET_ARN"],
  })
  .refine(
    (c) =>
      c.WAREHOUSE_TARGET !== "redshift" ||
      ((c.REDSHIFT_WORKGROUP || c.REDSHIFT_CLUSTER_ID) && c.REDSHIFT_DATABASE && c.REDSHIFT_COPY_ROLE_ARN),
    {
      message:
        "the redshift target needs REDSHIFT_WORKGROUP or REDSHIFT_CLUSTER_ID, REDSHIFT_DATABASE and REDSHIFT_COPY_ROLE_ARN",
      path: ["WAREHOUSE_TARGET"],
    },
  );

export type LoadConfig = z.infer<typeof LoadConfigSchema>;
