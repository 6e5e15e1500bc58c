export { type IngestConfig, IngestConfigSchema } from "./config";
export { createIngestDeps } from "./deps";
export { WatermarkConflictError } from "./errors";
export {
  type IngestDeps,
  type IngestResult,
  type IngestSettings,
  runIngest,
  type TableProgress,
} from "./run-ingest";
export { PartSink, type PartSinkOptions } from "./steps/part-sink";
