import { randomBytes } from "node:crypto";
import { type ObjectStore, quarantineKey, starRunPrefix, stateRunPrefix } from "@etl/s3-io";
import { messageOf, type ProcessedRunManifest, type RunId, STAR_TABLE_NAMES } from "@etl/schemas";
import { STATE_TABLES } from "./reference-state";
import { readProcessedManifest } from "./run-manifests";

/**
 * A new attempt token: 8 random lowercase hex digits. Two attempts of one run rarely draw the
 * same one, and when they do, nothing is lost: `If-None-Match` refuses the second put of a key,
 * that attempt fails retryable and its retry draws another token.
 */
export function newAttemptToken(): string {
  return randomBytes(4).toString("hex");
}

/** Every key a processed manifest lists: its star files, its state objects and its held rows. */
export function listedKeys(manifest: ProcessedRunManifest): Set<string> {
  const held = manifest.quarantine ? [manifest.quarantine] : [];
  return new Set([...manifest.files, ...Object.values(manifest.state), ...held].map((f) => f.key));
}

/**
 * Removes every object under the run's star and state prefixes that its committed manifest does
 * not list: what attempts that crashed, failed or lost the manifest race left behind, whatever
 * their token (and the keys of the layout without tokens). Only ever called with a manifest that
 * is in the bucket: it was written once with `If-None-Match` and never changes, so an object it
 * does not list can never become listed, and removing one cannot touch anything loaded. Listings
 * are paginated (the store follows continuation tokens). Problems are reported to `warn`, not
 * thrown: the run is committed, a leftover is never loaded, and the next replay sweeps again.
 * Returns the keys removed.
 */
export async function removeUnlistedOutputs(
  store: ObjectStore,
  bucket: string,
  manifest: ProcessedRunManifest,
  warn: (message: string, fields: Record<string, unknown>) => void = () => undefined,
): Promise<string[]> {
  const keep = listedKeys(manifest);
  const prefixes = [
    ...STAR_TABLE_NAMES.map((table) => starRunPrefix(table, manifest.runId)),
    ...STATE_TABLES.map((table) => stateRunPrefix(table, manifest.runId)),
    quarantineKey("transform", manifest.runId, ""),
  ];
  const removed: string[] = [];
  for (const prefix of prefixes) {
    const unlisted: string[] = [];
    try {
      for await (const object of store.list(bucket, prefix)) {
        if (!keep.has(object.key)) unlisted.push(object.key);
      }
    } catch (error) {
      warn("could not list the run's outputs to remove unlisted ones", {
        bucket,
        prefix,
        error: messageOf(error),
      });
      continue;
    }
    for (const key of unlisted) {
      try {
        await store.delete(bucket, key);
        removed.push(key);
      } catch (error) {
        warn("could not remove an output no manifest lists", { bucket, key, error: messageOf(error) });
      }
    }
  }
  return removed;
}

/**
 * A failing attempt removes the objects it created, best effort. Before its manifest put was
 * sent nothing can list them (their keys hold this attempt's token). Once it was sent, the put may
 * have landed although it failed here, so only a sweep against the manifest in the bucket, if
 * any, removes anything; otherwise they stay for the next winner's sweep. What this misses (the
 * process dies first) is removed the same way.
 */
export async function removeOwnOutputs(
  store: ObjectStore,
  bucket: string,
  runId: RunId,
  created: readonly { bucket: string; key: string }[],
  committing: boolean,
  warn: (message: string, fields: Record<string, unknown>) => void,
): Promise<void> {
  if (committing) {
    try {
      const committed = await readProcessedManifest(store, bucket, runId);
      if (committed) await removeUnlistedOutputs(store, bucket, committed, warn);
    } catch (error) {
      warn("could not read the processed manifest to remove unlisted outputs", { error: messageOf(error) });
    }
    return;
  }
  for (const object of created) {
    try {
      await store.delete(object.bucket, object.key);
    } catch (cleanup) {
      warn("could not remove an output of the failed attempt", { ...object, error: messageOf(cleanup) });
    }
  }
}
