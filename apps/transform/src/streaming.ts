/**
 * The `@etl/transform/streaming` subpath: the streamed-table step alone, with what it needs to
 * run outside the use case (the run's raw manifest, an empty reference state, a date set). The
 * benchmark under tools/local drives it on a directory store; the Lambda never imports this.
 */
export { DEFAULT_PART_ROWS } from "./config";
export { DateSet } from "./steps/date-set";
export { emptyReferenceState } from "./steps/reference-state";
export { readRawManifest } from "./steps/run-manifests";
export {
  type StreamedTableOptions,
  type StreamedTableResult,
  transformStreamedTable,
} from "./steps/streamed-tables";
