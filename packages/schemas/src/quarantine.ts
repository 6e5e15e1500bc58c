import { z } from "zod";
import { ROW_SOURCES } from "./star-sources";
import { SOURCE_TABLE_NAMES } from "./tables";

const runId = z.string().regex(/^\d{8}T\d{9}Z-\d{8}$/, "run id must look like 20261123T141500123Z-00000042");
const count = z.number().int().nonnegative();

/**
 * One raw row the transform held back instead of loading: a row that fails the source contract
 * (an unknown currency, a value out of range, a wrong type), or a row of the same run that depends
 * on one (`heldFor`: a fact whose dimension row is held). Kept with its raw line exactly as the raw
 * file holds it, so `etl quarantine retry` can process it again after the fix.
 */
export const QuarantinedRowSchema = z.strictObject({
  schemaVersion: z.literal(1),
  runId,
  table: z.enum(SOURCE_TABLE_NAMES),
  /** The raw file in the ingest bucket the line is in. */
  key: z.string().min(1),
  lineNumber: z.number().int().positive(),
  line: z.string(),
  /** What is wrong, in words a person can act on. */
  reason: z.string().min(1),
  code: z.string().min(1),
  column: z.string().optional(),
  /** Set for a row held because the row it refers to is held. */
  heldFor: z.strictObject({ table: z.enum(SOURCE_TABLE_NAMES), id: z.number().int() }).optional(),
});
export type QuarantinedRow = z.infer<typeof QuarantinedRowSchema>;

/**
 * What one source table came to in one run: every line read is transformed or quarantined, so
 * `read === transformed + quarantined` (`deleted` counts the rows the source lost, found apart
 * from the lines read). A run whose counts do not add up is a failure.
 */
export const TableCountsSchema = z.strictObject({
  table: z.enum(SOURCE_TABLE_NAMES),
  read: count,
  transformed: count,
  quarantined: count,
  deleted: count,
});
export type TableCounts = z.infer<typeof TableCountsSchema>;

/** The counts that do not add up, in words; empty when they all do. */
export function countMismatches(counts: readonly TableCounts[]): string[] {
  return counts.flatMap((c) =>
    c.read === c.transformed + c.quarantined
      ? []
      : [`${c.table}: read ${c.read}, transformed ${c.transformed} + quarantined ${c.quarantined}`],
  );
}

/**
 * `quarantine/transform/<runId>/retried.json` in the processed bucket: written once
 * (`If-None-Match`) by `etl quarantine retry`, naming the run that carries the held rows again,
 * so they are retried exactly once.
 */
export const QuarantineRetrySchema = z.strictObject({
  schemaVersion: z.literal(1),
  runId,
  retryRunId: runId,
  rows: count,
  at: z.string().datetime(),
});
export type QuarantineRetry = z.infer<typeof QuarantineRetrySchema>;

/** The star table each row of which comes from one source row, by its source table. */
const ONE_TO_ONE: ReadonlyMap<string, string> = new Map(
  Object.entries(ROW_SOURCES).map(([star, { source }]) => [source, star]),
);

/** What a run's reconciliation checks: its manifest's counts and files, and what the load loaded. */
export interface RunReconciliationInput {
  counts?: readonly TableCounts[] | undefined;
  files: readonly { table: string; rows: number }[];
  /** Rows loaded per star table, once the run is loaded. */
  loaded?: ReadonlyMap<string, number> | undefined;
}

/**
 * The ways a run's counts do not add up, in words; empty when they do (or a manifest from before
 * counts has none to check). Each source table's lines read are transformed or quarantined; a
 * table whose star rows come one per source row wrote as many as it transformed; and once
 * loaded, every star table loaded the rows its files hold.
 *
 * @example
 * reconcileRun({ counts: manifest.counts, files: manifest.files, loaded }) // [] when all add up
 */
export function reconcileRun(run: RunReconciliationInput): string[] {
  const written = new Map<string, number>();
  for (const f of run.files) written.set(f.table, (written.get(f.table) ?? 0) + f.rows);
  const problems = countMismatches(run.counts ?? []);
  for (const c of run.counts ?? []) {
    const star = ONE_TO_ONE.get(c.table);
    if (star !== undefined && (written.get(star) ?? 0) !== c.transformed)
      problems.push(`${c.table}: transformed ${c.transformed}, ${star} files hold ${written.get(star) ?? 0}`);
  }
  if (run.loaded !== undefined) {
    for (const [table, rows] of written) {
      const loaded = run.loaded.get(table) ?? 0;
      if (loaded !== rows) problems.push(`${table}: files hold ${rows}, loaded ${loaded}`);
    }
  }
  return problems;
}
