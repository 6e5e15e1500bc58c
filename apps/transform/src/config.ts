import { bucketName, CommonEnvSchema, envInt } from "@etl/schemas/env";
import type { z } from "zod";

/** The transform function's environment. */
export const TransformConfigSchema = CommonEnvSchema.extend({
  INGEST_BUCKET: bucketName,
  PROCESSED_BUCKET: bucketName,
  /** Rows per Parquet part: memory is bounded by a part, not by the run. */
  PART_ROWS: envInt(1000, 10_000_000).default(250_000),
});

export type TransformConfig = z.infer<typeof TransformConfigSchema>;
