import { arn, bucketName, CommonEnvSchema, envInt, tableName, url } from "@etl/schemas/env";
import { z } from "zod";

/** The ingest function's environment. */
export const IngestConfigSchema = CommonEnvSchema.extend({
  INGEST_BUCKET: bucketName,
  STATE_TABLE: tableName,
  /** Secrets Manager secret with the totesys connection (AWS); DATABASE_URL locally. */
  DB_SECRET_ARN: arn.optional(),
  DATABASE_URL: url.optional(),
  /** Rows committed up to this many seconds before the database clock are read. */
  SAFETY_LAG_SECONDS: envInt(0, 3600).default(60),
  /** A part file is closed once it holds this many uncompressed bytes. */
  PART_MAX_BYTES: envInt(1024, 1024 * 1024 * 1024).default(64 * 1024 * 1024),
  CURSOR_BATCH_ROWS: envInt(100, 100_000).default(10_000),
  /**
   * Connections the tables are read on at once, all from one exported snapshot (see
   * `joinSourceSnapshot`). Each is a source connection for the length of the run.
   */
  READ_CONNECTIONS: envInt(1, 16).default(3),
  /**
   * `required`: refuse to run unless the database user may see every session's open transaction
   * (superuser or pg_read_all_stats). `best-effort` accepts missing rows other users' long
   * transactions commit late.
   */
  LATE_COMMIT_GUARD: z.enum(["required", "best-effort"]).default("required"),
  /**
   * The run's time budget: a first snapshot larger than `RUN_BUDGET_SECONDS * RUN_ROWS_PER_SECOND`
   * rows is read in key ranges over several runs (docs/first-loads.md). Unset: half the
   * invocation's remaining time less a minute (on Lambda, and under `etl run`'s local context);
   * without an invocation context, no budget.
   */
  RUN_BUDGET_SECONDS: z.coerce.number().positive().max(3600).optional(),
  /** Rows per second of the slowest stage on one vCPU (docs/capacity.md), rounded down. */
  RUN_ROWS_PER_SECOND: envInt(1, 10_000_000).default(20_000),
}).refine((c) => c.DB_SECRET_ARN !== undefined || c.DATABASE_URL !== undefined, {
  message: "set DB_SECRET_ARN (AWS) or DATABASE_URL (local)",
  path: ["DB_SECRET_ARN"],
});

export type IngestConfig = z.infer<typeof IngestConfigSchema>;
