import { effectivePreviousRun, type StateStore } from "@etl/ops";
import {
  type ObjectStore,
  objectUrl,
  RUN_MANIFEST_PREFIX,
  runIdFromManifestKey,
  runManifestKey,
} from "@etl/s3-io";
import {
  DataError,
  messageOf,
  type ProcessedRunManifest,
  ProcessedRunManifestSchema,
  type RawRunManifest,
  RawRunManifestSchema,
  type RunId,
} from "@etl/schemas";
import type { z } from "zod";
import { PreviousRunPendingError } from "../errors";

async function readManifest<S extends z.ZodType>(
  store: ObjectStore,
  bucket: string,
  key: string,
  schema: S,
): Promise<z.infer<S>> {
  const body = await store.get(bucket, key);
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(body).toString("utf8"));
  } catch (error) {
    throw new DataError(`${objectUrl(bucket, key)} is not JSON: ${messageOf(error)}`, {
      code: "BAD_MANIFEST",
    });
  }
  const result = schema.safeParse(json);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join(".") || "(manifest)"}: ${i.message}`);
    throw new DataError(
      `${objectUrl(bucket, key)} is not a valid manifest: ${problems.slice(0, 5).join("; ")}`,
      {
        code: "BAD_MANIFEST",
      },
    );
  }
  return result.data;
}

/** The ingest run's manifest `runs/<runId>.json`, validated; its run id must be the one asked for. */
export async function readRawManifest(
  store: ObjectStore,
  bucket: string,
  runId: RunId,
): Promise<RawRunManifest> {
  const key = runManifestKey(runId);
  const manifest = await readManifest(store, bucket, key, RawRunManifestSchema);
  if (manifest.runId !== runId) {
    throw new DataError(`${objectUrl(bucket, key)} names run ${manifest.runId}`, { code: "BAD_MANIFEST" });
  }
  return manifest;
}

/** The processed manifest of a run, or undefined when the run is not transformed (yet). */
export async function readProcessedManifest(
  store: ObjectStore,
  bucket: string,
  runId: RunId,
): Promise<ProcessedRunManifest | undefined> {
  const key = runManifestKey(runId);
  if ((await store.head(bucket, key)) === undefined) return undefined;
  return readManifest(store, bucket, key, ProcessedRunManifestSchema);
}

/**
 * The newest ingest run before `runId` (run ids sort by time), or undefined for the first run.
 * The listing starts with the run's own day and widens to its month, year and everything, so
 * the usual case lists one day's manifests rather than the bucket's whole history; each listing
 * follows pagination to the end.
 */
export async function findPreviousRunId(
  store: ObjectStore,
  bucket: string,
  runId: RunId,
): Promise<RunId | undefined> {
  for (const length of [8, 6, 4, 0]) {
    let newest: RunId | undefined;
    for await (const object of store.list(bucket, `${RUN_MANIFEST_PREFIX}${runId.slice(0, length)}`)) {
      const id = runIdFromManifestKey(object.key);
      if (id !== undefined && id < runId && (newest === undefined || id > newest)) newest = id;
    }
    if (newest !== undefined) return newest;
  }
  return undefined;
}

/**
 * The processed manifest of the run before `runId`, whose state this run builds on; undefined for
 * the first run. A previous run not transformed yet is the retryable `PreviousRunPendingError`.
 * With the state table, runs an operator skipped at the transform are stepped over: the run
 * builds on the one before them.
 */
export async function previousManifest(
  store: ObjectStore,
  ingestBucket: string,
  processedBucket: string,
  runId: RunId,
  state?: StateStore,
): Promise<ProcessedRunManifest | undefined> {
  const found = (await findPreviousRunId(store, ingestBucket, runId)) ?? null;
  const previousId = state ? await effectivePreviousRun(state, "transform", found) : found;
  if (previousId === null) return undefined;
  const manifest = await readProcessedManifest(store, processedBucket, previousId as RunId);
  if (manifest === undefined) throw new PreviousRunPendingError(runId, previousId);
  return manifest;
}
