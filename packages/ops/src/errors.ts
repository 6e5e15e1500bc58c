import { EtlError } from "@etl/schemas";

/** One watermark that did not hold the value a run expected. */
export interface WatermarkConflict {
  name: string;
  expected: string | null;
  actual: string | null;
}

/**
 * Another run advanced a watermark since this run read it (overlapping runs). Not retryable:
 * the next scheduled run starts from the new watermark. The ingest treats it as the end of a
 * valid run when its manifest is already written (see apps/ingest/README.md).
 */
export class WatermarkConflictError extends EtlError {
  readonly conflicts: WatermarkConflict[];
  readonly runId: string;

  constructor(runId: string, conflicts: WatermarkConflict[], options: { cause?: unknown } = {}) {
    const what = conflicts
      .map((c) => `${c.name} (expected ${c.expected ?? "none"}, found ${c.actual ?? "none"})`)
      .join(", ");
    super(`run ${runId}: watermarks moved since the run read them: ${what || "unknown"}`, {
      retryable: false,
      code: "WATERMARK_CONFLICT",
      cause: options.cause,
    });
    this.conflicts = conflicts;
    this.runId = runId;
  }
}

/** A state, audit or alert store refused a request in a way a retry cannot fix. */
export class OpsStoreError extends EtlError {
  constructor(message: string, options: { code: string; cause?: unknown }) {
    super(message, { retryable: false, code: options.code, cause: options.cause });
  }
}
