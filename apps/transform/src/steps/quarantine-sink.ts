import { type ObjectStore, quarantineKey } from "@etl/s3-io";
import {
  type ManifestFile,
  type QuarantinedRow,
  QuarantinedRowSchema,
  type RunId,
  type SourceTable,
} from "@etl/schemas";
import { RawDataError } from "../errors";
import { putImmutable } from "./put-immutable";

/** Whether an error is about one row (quarantined) rather than the file or the run (fatal). */
export function isRowProblem(error: unknown): error is RawDataError {
  return error instanceof RawDataError && error.scope === "row" && error.lineNumber !== undefined;
}

/** What is known of a held row besides the run: where it is, its line and why it is held. */
export type HeldRow = Omit<QuarantinedRow, "schemaVersion" | "runId">;

/**
 * The rows of one run held back instead of loaded, with the ids of the held rows per table, so
 * that rows of the same run referring to one are held with it. Bad rows are few, so they are
 * kept in memory and written as one object when the run commits.
 */
export class QuarantineSink {
  readonly runId: RunId;
  readonly rows: QuarantinedRow[] = [];
  readonly #held = new Map<SourceTable, Set<number>>();
  readonly #counts = new Map<SourceTable, number>();

  constructor(runId: RunId) {
    this.runId = runId;
  }

  /** Holds a row; `id`, when the line gave one, holds the rows of the run that refer to it. */
  hold(row: HeldRow, id?: number): void {
    this.rows.push(QuarantinedRowSchema.parse({ schemaVersion: 1, runId: this.runId, ...row }));
    this.#counts.set(row.table, (this.#counts.get(row.table) ?? 0) + 1);
    if (id === undefined || !Number.isInteger(id)) return;
    const ids = this.#held.get(row.table) ?? new Set<number>();
    ids.add(id);
    this.#held.set(row.table, ids);
  }

  /**
   * Holds the row a `RawDataError` is about, with the line it was read from: `id` is the row's own
   * (when the line gives one), `heldFor` the held row it refers to.
   */
  holdError(
    table: SourceTable,
    error: RawDataError,
    line: string,
    about: { id?: number | undefined; heldFor?: { table: SourceTable; id: number } } = {},
  ): void {
    this.hold(
      {
        table,
        key: error.key,
        lineNumber: error.lineNumber ?? 0,
        line,
        reason: error.message,
        code: error.code,
        ...(error.column === undefined ? {} : { column: error.column }),
        ...(about.heldFor ? { heldFor: about.heldFor } : {}),
      },
      about.id,
    );
  }

  /** The ids of `table` held in this run (empty when none). */
  heldIds(table: SourceTable): ReadonlySet<number> {
    return this.#held.get(table) ?? EMPTY;
  }

  /** Rows of `table` held in this run. */
  count(table: SourceTable): number {
    return this.#counts.get(table) ?? 0;
  }
}

const EMPTY: ReadonlySet<number> = new Set();

/** The id a raw line holds in `column`, when it is JSON with an integer there. */
export function idOfLine(line: string, column: string): number | undefined {
  try {
    const value: unknown = JSON.parse(line);
    if (typeof value !== "object" || value === null) return undefined;
    const id = (value as Record<string, unknown>)[column];
    return typeof id === "number" && Number.isInteger(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Writes the held rows as JSON Lines to `quarantine/transform/<runId>/rows-<attempt>.jsonl`, a
 * key of this attempt, never overwritten; the processed manifest points at it.
 */
export async function writeQuarantine(
  store: ObjectStore,
  bucket: string,
  sink: QuarantineSink,
  attempt: string,
): Promise<ManifestFile | undefined> {
  if (sink.rows.length === 0) return undefined;
  const body = Buffer.from(sink.rows.map((row) => `${JSON.stringify(row)}\n`).join(""), "utf8");
  const written = await putImmutable(
    store,
    bucket,
    quarantineKey("transform", sink.runId, `rows-${attempt}.jsonl`),
    body,
    { contentType: "application/x-ndjson" },
  );
  return { key: written.key, rows: sink.rows.length, bytes: written.bytes, sha256: written.sha256 };
}
