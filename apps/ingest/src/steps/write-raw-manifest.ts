import { runManifestKey } from "@etl/s3-io";
import { type RawRunManifest, RawRunManifestSchema } from "@etl/schemas";
import type { Extraction } from "./extract-tables";
import type { IngestDeps, IngestRun, IngestSettings } from "./ingest-run";

/**
 * Writes the run's manifest, after every data file and never over an existing one: downstream
 * reacts to the manifest, never to single data files. Resolves its key.
 */
export async function writeRawManifest(
  settings: IngestSettings,
  deps: IngestDeps,
  run: IngestRun,
  { snapshot, entries, detection }: Extraction,
): Promise<string> {
  const held = snapshot.heldBackBy;
  const manifest: RawRunManifest = RawRunManifestSchema.parse({
    schemaVersion: 1,
    kind: "raw",
    runId: run.runId,
    sequence: run.sequence,
    createdAt: deps.clock().toISOString(),
    snapshot: {
      databaseTime: snapshot.databaseTime,
      upperBound: snapshot.upperBound,
      safetyLagSeconds: settings.safetyLagSeconds,
      ...(held
        ? {
            heldBackBy: {
              ...(held.pid === undefined ? {} : { pid: held.pid }),
              ...(held.gid === undefined ? {} : { gid: held.gid }),
              since: held.since,
            },
          }
        : {}),
      sees: snapshot.sees,
    },
    tables: entries,
    ...(detection.deletions.length > 0 ? { deletions: detection.deletions } : {}),
  });
  const manifestKey = runManifestKey(run.runId);
  await deps.store.put(settings.bucket, manifestKey, JSON.stringify(manifest, null, 2), {
    contentType: "application/json",
    ifNoneMatch: true,
  });
  return manifestKey;
}
