import type { AuditItem } from "@etl/ops";
import { ObjectExistsError } from "@etl/s3-io";
import {
  type ProcessedFile,
  type ProcessedRunManifest,
  ProcessedRunManifestSchema,
  STAR_TABLE_NAMES,
} from "@etl/schemas";
import { writeQuarantine } from "./quarantine-sink";
import type { RunInputs } from "./read-run-inputs";
import { writeReferenceState } from "./reference-state";
import { readProcessedManifest } from "./run-manifests";
import { auditItem, type TransformAttempt, type TransformDeps } from "./transform-attempt";
import type { StarOutputs } from "./write-star-tables";

/** The commit's result: this attempt's manifest, or the one of another attempt that won. */
export type Commit =
  | { status: "committed"; manifest: ProcessedRunManifest; stateFiles: AuditItem[] }
  | { status: "lost"; winner: ProcessedRunManifest | undefined };

/**
 * Writes the new reference state objects, then the processed manifest, last, listing the star
 * files in load order: downstream reacts to the manifest and never to single data files. The
 * put (`If-None-Match`) is the commit, so of two attempts one wins.
 */
export async function commitRun(
  deps: TransformDeps,
  attempt: TransformAttempt,
  inputs: RunInputs,
  outputs: StarOutputs,
): Promise<Commit> {
  const { store, processedBucket } = deps;
  Object.assign(attempt.current, { table: undefined, key: undefined, bucket: processedBucket });
  const stateFiles: AuditItem[] = [];
  const pointers = await writeReferenceState(
    store,
    processedBucket,
    attempt.runId,
    attempt.token,
    inputs.state,
    inputs.changed,
    inputs.previous?.state ?? {},
    (file) => {
      attempt.created.push({ bucket: processedBucket, key: file.key });
      const { table, bytes: size, rows } = file;
      stateFiles.push(
        auditItem(attempt, { key: file.key, status: "FINISHED", table, bucket: processedBucket, size, rows }),
      );
    },
  );
  const files: ProcessedFile[] = STAR_TABLE_NAMES.flatMap((table) => outputs.written.get(table) ?? []);
  // The held rows are written with the run and listed by its manifest, so they commit with it.
  const quarantine = await writeQuarantine(store, processedBucket, inputs.quarantine, attempt.token);
  if (quarantine) attempt.created.push({ bucket: processedBucket, key: quarantine.key });
  const manifest: ProcessedRunManifest = ProcessedRunManifestSchema.parse({
    schemaVersion: 1,
    kind: "processed",
    runId: attempt.runId,
    sequence: inputs.raw.sequence,
    // The load loads this run only after the previous one (runs load in order).
    previousRunId: inputs.previous?.runId ?? null,
    createdAt: deps.clock().toISOString(),
    source: { bucket: deps.ingestBucket, key: attempt.manifestKey },
    files,
    state: pointers,
    ...(inputs.deletions.length > 0 ? { deletions: inputs.deletions } : {}),
    ...(quarantine ? { quarantine } : {}),
    counts: outputs.counts,
  });
  const body = JSON.stringify(manifest, null, 2);
  attempt.committing = true;
  try {
    await store.put(processedBucket, attempt.manifestKey, body, {
      contentType: "application/json",
      ifNoneMatch: true,
    });
  } catch (error) {
    if (!(error instanceof ObjectExistsError)) throw error;
    const existing = Buffer.from(await store.get(processedBucket, attempt.manifestKey)).toString("utf8");
    // Unless it is this very put, retried after its response was lost, another attempt won.
    if (existing !== body)
      return { status: "lost", winner: await readProcessedManifest(store, processedBucket, attempt.runId) };
  }
  return { status: "committed", manifest, stateFiles };
}
