/**
 * The errors an ingest run can end with, beyond the shared ones of `@etl/schemas`
 * (`TransientError` for a dead database or S3, `DataError` for a missing table or column):
 * another run advanced the watermarks first.
 */
export { WatermarkConflictError } from "@etl/ops";
