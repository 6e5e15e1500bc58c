import { RunIdSchema } from "@etl/schemas";
import { z } from "zod";

/**
 * Manifest notifications (S3 notifications or EventBridge "Object Created" events) are parsed
 * by the shared `manifestRunIds` of `@etl/schemas`, the same code as the transform's.
 */
export {
  decodeS3EventKey,
  type ManifestNotifications as ManifestMessages,
  manifestRunIds,
} from "@etl/schemas";

/** A direct invocation: `{ "runId": "..." }`. */
export const DirectLoadEventSchema = z.strictObject({ runId: RunIdSchema });
