import { z } from "zod";

/** The Data API's EventBridge event when a statement sent `WithEvent` ends. */
export const StatementStatusEventSchema = z.object({
  source: z.literal("aws.redshift-data"),
  "detail-type": z.literal("Redshift Data Statement Status Change"),
  detail: z.object({
    statementId: z.string().min(1),
    state: z.enum(["FINISHED", "FAILED", "ABORTED"]),
  }),
});

/** The scheduled sweep (an EventBridge schedule rule). */
export const SweepEventSchema = z.object({
  source: z.literal("aws.events"),
  "detail-type": z.literal("Scheduled Event"),
});
