import { bucketName, CommonEnvSchema, envInt, tableName } from "@etl/schemas/env";
import type { z } from "zod";

/**
 * Rows per Parquet part by default. Memory is bounded by a part: at 1M-row runs, parts of 100,000
 * rows kept the benchmark under 512 MB peak RSS where 250,000 went past 600 MB (apps/transform
 * README); a part is still about 2 MB of Snappy Parquet, well inside what Redshift COPY likes.
 */
export const DEFAULT_PART_ROWS = 100_000;

/** The transform function's environment. */
export const TransformConfigSchema = CommonEnvSchema.extend({
  INGEST_BUCKET: bucketName,
  PROCESSED_BUCKET: bucketName,
  /**
   * The state table, where a run that fails for good is recorded as the transform's blockage
   * and operator skips are read. Without it (older stacks) a run behind a failed one waits until
   * it dead-letters.
   */
  STATE_TABLE: tableName.optional(),
  /** Rows per Parquet part: memory is bounded by a part, not by the run. */
  PART_ROWS: envInt(1000, 10_000_000).default(DEFAULT_PART_ROWS),
  /** The queue's `maxReceiveCount` (3, as the stack sets it): a failure on that receive is dead-lettered. */
  MAX_RECEIVE_COUNT: envInt(1, 1000).default(3),
});

export type TransformConfig = z.infer<typeof TransformConfigSchema>;
