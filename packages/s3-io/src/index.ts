export {
  ObjectExistsError,
  ObjectNotFoundError,
  type ObjectOperation,
  ObjectStoreError,
  objectUrl,
} from "./errors";
export {
  type JsonLine,
  JsonLinesError,
  type ReadJsonLinesOptions,
  type ReadLineChunksOptions,
  readJsonLineBatches,
  readJsonLines,
  readLineChunks,
} from "./json-lines-reader";
export {
  createJsonLinesWriter,
  type JsonLinesPart,
  type JsonLinesWriter,
  type JsonLinesWriterOptions,
  writeJsonLines,
} from "./json-lines-writer";
export * from "./keys";
export { datePath, fittedName, MAX_KEY_BYTES, moveKey } from "./landed-keys";
export type { ObjectInfo, ObjectStore, PutOptions } from "./object-store";
