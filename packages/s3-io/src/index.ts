export {
  ObjectExistsError,
  ObjectNotFoundError,
  type ObjectOperation,
  ObjectStoreError,
  objectUrl,
} from "./errors";
export {
  createJsonLinesWriter,
  type JsonLine,
  JsonLinesError,
  type JsonLinesPart,
  type JsonLinesWriter,
  type JsonLinesWriterOptions,
  type ReadJsonLinesOptions,
  type ReadLineChunksOptions,
  readJsonLineBatches,
  readJsonLines,
  readLineChunks,
  writeJsonLines,
} from "./jsonl";
export * from "./keys";
export type { ObjectInfo, ObjectStore, PutOptions } from "./object-store";
