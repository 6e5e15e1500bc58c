import { z } from "zod";
import { TableCountsSchema } from "./quarantine";
import { AddedColumnSchema } from "./source-drift";
import { SOURCE_TABLE_NAMES, STAR_TABLE_NAMES } from "./tables";

/** A run id sorts by time: `YYYYMMDDTHHMMSSmmmZ-<sequence, 8 digits>` (UTC). */
export const RunIdSchema = z
  .string()
  .regex(/^\d{8}T\d{9}Z-\d{8}$/, "run id must look like 20261123T141500123Z-00000042");
export type RunId = z.infer<typeof RunIdSchema>;

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, "sha256 must be 64 lower-case hex digits");

/** One data file of a run: where it is and what it holds. */
export const ManifestFileSchema = z.strictObject({
  key: z.string().min(1),
  rows: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  sha256,
});
export type ManifestFile = z.infer<typeof ManifestFileSchema>;

/** A timestamp as totesys stores it, kept as text with its full fraction. */
const sourceTimestamp = z.string().regex(/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d{1,6})?$/);

export const RawTableEntrySchema = z.strictObject({
  table: z.enum(SOURCE_TABLE_NAMES),
  files: z.array(ManifestFileSchema).min(1),
  rows: z.number().int().positive(),
  bytes: z.number().int().nonnegative(),
  /** Rows with `from < last_updated <= to` were read; `from` is null on the first run. */
  watermark: z.strictObject({ from: sourceTimestamp.nullable(), to: sourceTimestamp }),
  /**
   * Columns the source had that the contract does not know (schema drift): the raw rows keep
   * them, and the transform ignores exactly these and no other. Absent when there are none, so
   * a manifest without drift is what it always was (schemaVersion 1).
   */
  addedColumns: z.array(AddedColumnSchema).min(1).optional(),
  /**
   * Set when the rows are one primary-key range of a first snapshot too large for one run
   * (docs/first-loads.md): the rows with `after < key <= upTo` and `last_updated <= watermark.to`;
   * `last` when the table's first load ends with it. Absent on every other run.
   */
  keyRange: z
    .strictObject({ after: z.number().int().nullable(), upTo: z.number().int(), last: z.boolean() })
    .optional(),
});
export type RawTableEntry = z.infer<typeof RawTableEntrySchema>;

/**
 * The rows of one source table deleted since the run before (hard deletes), found by comparing the
 * table's key sets of the two runs: `file` is gzip JSON Lines, one `{"<primary key>": id}` per
 * deleted row, in key order. `detectedAt` is the snapshot's database time (the source's clock):
 * the deletion happened between `previousRunId`'s snapshot and this one.
 */
export const RawDeletionEntrySchema = z.strictObject({
  table: z.enum(SOURCE_TABLE_NAMES),
  file: ManifestFileSchema.extend({ rows: z.number().int().positive() }),
  detectedAt: sourceTimestamp,
  /** The run whose key set this run's was compared with. */
  previousRunId: RunIdSchema,
});
export type RawDeletionEntry = z.infer<typeof RawDeletionEntrySchema>;

/**
 * `runs/<runId>.json` in the ingest bucket: written last, after every data file; transform reacts
 * to it and never to single data files.
 */
export const RawRunManifestSchema = z
  .strictObject({
    schemaVersion: z.literal(1),
    kind: z.literal("raw"),
    runId: RunIdSchema,
    sequence: z.number().int().positive(),
    createdAt: z.string().datetime(),
    /** The database clock when the snapshot was taken, and the safety lag subtracted from it. */
    snapshot: z.strictObject({
      databaseTime: sourceTimestamp,
      upperBound: sourceTimestamp,
      safetyLagSeconds: z.number(),
      /**
       * Set when a transaction still open at snapshot time held the upper bound below the clock:
       * its session's backend pid (or a prepared transaction's gid) and when it began.
       */
      heldBackBy: z
        .strictObject({
          pid: z.number().int().optional(),
          gid: z.string().optional(),
          since: sourceTimestamp,
        })
        .optional(),
      /** Whose open transactions the bound could see: `own-user` when run without pg_read_all_stats. */
      sees: z.enum(["all-sessions", "own-user"]).optional(),
    }),
    tables: z.array(RawTableEntrySchema),
    /**
     * Tables with rows deleted at the source since the previous run, one entry per table. Absent
     * when none were, so a manifest without deletions is what it always was (schemaVersion 1).
     */
    deletions: z.array(RawDeletionEntrySchema).min(1).optional(),
    /**
     * Set on a run `etl quarantine retry` built from the rows another run held back: that run's id.
     * Absent on every run the ingest writes.
     */
    retryOf: RunIdSchema.optional(),
  })
  // A run exists because something changed: rows, deletions, or both.
  .refine((m) => m.tables.length > 0 || (m.deletions?.length ?? 0) > 0, {
    message: "a raw run has changed rows, deletions or both",
    path: ["tables"],
  })
  .refine((m) => new Set(m.deletions?.map((d) => d.table)).size === (m.deletions?.length ?? 0), {
    message: "one deletion entry per table",
    path: ["deletions"],
  });
export type RawRunManifest = z.infer<typeof RawRunManifestSchema>;

export const ProcessedFileSchema = ManifestFileSchema.extend({ table: z.enum(STAR_TABLE_NAMES) });
export type ProcessedFile = z.infer<typeof ProcessedFileSchema>;

/**
 * `runs/<runId>.json` in the processed bucket: written last; lists files in load order
 * (dimensions before facts). `state` points at the compacted reference tables this run
 * produced, so the next run builds on them without reading the OLTP database.
 */
export const ProcessedRunManifestSchema = z.strictObject({
  schemaVersion: z.literal(1),
  kind: z.literal("processed"),
  runId: RunIdSchema,
  sequence: z.number().int().positive(),
  /**
   * The ingest run before this one (null for the first run): the load refuses this run until that
   * one is loaded, so runs load in order. Absent in manifests of older transforms (loaded as before).
   */
  previousRunId: RunIdSchema.nullable().optional(),
  createdAt: z.string().datetime(),
  source: z.strictObject({ bucket: z.string(), key: z.string() }),
  files: z.array(ProcessedFileSchema),
  state: z.record(z.string(), ManifestFileSchema),
  /**
   * Rows deleted at the source (hard deletes), per star table: the source keys (the star table's
   * id column) and the detection time, for the load to mark (dimensions) or to add a deletion
   * version for (facts). Absent when the run has none, so older manifests parse as before.
   */
  deletions: z
    .array(
      z.strictObject({
        table: z.enum(STAR_TABLE_NAMES),
        keys: z.array(z.number().int().nonnegative()).min(1),
        deletedAt: sourceTimestamp,
      }),
    )
    .min(1)
    .optional(),
  /**
   * The rows the run held back (JSON Lines of `QuarantinedRow`), absent when there are none. Not
   * loaded: `etl quarantine` lists, shows and retries them.
   */
  quarantine: ManifestFileSchema.optional(),
  /** Per source table, the rows read, transformed, quarantined and deleted. Absent in older manifests. */
  counts: z.array(TableCountsSchema).optional(),
});
export type StarDeletion = NonNullable<ProcessedRunManifest["deletions"]>[number];
export type ProcessedRunManifest = z.infer<typeof ProcessedRunManifestSchema>;
