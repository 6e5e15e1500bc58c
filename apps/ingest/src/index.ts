export { type IngestConfig, IngestConfigSchema } from "./config";
export { createIngestDeps } from "./deps";
export { WatermarkConflictError } from "./errors";
export {
  DEFAULT_HOLD_WARNING_SECONDS,
  type IngestDeps,
  type IngestLogger,
  type IngestResult,
  type IngestSettings,
  runIngest,
  type TableProgress,
} from "./run-ingest";
export { PartSink, type PartSinkOptions } from "./steps/part-sink";
