import { type CopySource, copyManifest, s3Uri } from "@etl/db/redshift";
import type { ObjectStore } from "@etl/s3-io";
import { DataError, type StarTable } from "@etl/schemas";
import { checkParquetFooter } from "./parquet-footer";
import type { LoadPlan, TableLoad } from "./plan-load";
import type { FileOutcome, FileStatus, LoadContext } from "./warehouse";

/** Where COPY manifests go in the processed bucket: a prefix that notifies nothing. */
export const COPY_MANIFEST_PREFIX = "copy-manifests/";

/** `copy-manifests/<runId>/<table>-<attempt>.manifest`: a new object per attempt, never overwritten. */
export function copyManifestKey(runId: string, table: StarTable, attempt: string): string {
  return `${COPY_MANIFEST_PREFIX}${runId}/${table}-${attempt.replace(/[^0-9]/g, "")}.manifest`;
}

/** One file's COPY reads it directly; several are read through a manifest written for this attempt. */
export async function copySource(
  store: ObjectStore,
  plan: LoadPlan,
  table: TableLoad,
  attempt: string,
): Promise<CopySource> {
  const [only] = table.files;
  if (only && table.files.length === 1) return { uri: s3Uri(plan.bucket, only.key), manifest: false };
  const key = copyManifestKey(plan.runId, table.table, attempt);
  const body = copyManifest(table.files.map((f) => ({ uri: s3Uri(plan.bucket, f.key), bytes: f.bytes })));
  await store.put(plan.bucket, key, body, { contentType: "application/json" });
  return { uri: s3Uri(plan.bucket, key), manifest: true };
}

/**
 * The columns the table's files lack (older transforms wrote fewer), read from their verified
 * footers. One COPY reads every file of the table, so they must lack the same columns (a run's
 * files come from one transform, so they do).
 */
export async function missingColumns(
  plan: LoadPlan,
  table: TableLoad,
  context: LoadContext,
): Promise<string[]> {
  const missing = new Set<string>();
  for (const [i, file] of table.files.entries()) {
    const lacks = checkParquetFooter(table.table, file.key, await context.read(file)).missing;
    if (i > 0 && lacks.join() !== [...missing].join())
      throw new DataError(
        `${table.table} ${file.key}: its columns differ from the table's other files of run ${plan.runId} (${lacks.join(", ") || "none"} missing here); one COPY cannot load both`,
        { code: "BAD_PARQUET_SCHEMA" },
      );
    for (const column of lacks) missing.add(column);
  }
  return [...missing];
}

/** Every file of the table with one status: what a table's statement did to them. */
export function tableOutcomes(
  table: TableLoad,
  status: FileStatus,
  statementId: string | undefined,
  durationMs: number,
): FileOutcome[] {
  return table.files.map((f) => ({
    table: table.table,
    key: f.key,
    status,
    rows: status === "FINISHED" ? f.rows : 0,
    durationMs,
    ...(statementId ? { statementId } : {}),
  }));
}
