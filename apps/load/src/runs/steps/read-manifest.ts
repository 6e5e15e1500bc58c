import { type ObjectStore, objectUrl, runManifestKey } from "@etl/s3-io";
import { DataError, type ProcessedRunManifest, ProcessedRunManifestSchema, type RunId } from "@etl/schemas";

/**
 * The processed manifest `runs/<runId>.json`, validated; it must name the run asked for. A
 * missing or malformed manifest is a `DataError`: the message that announced it cannot succeed.
 */
export async function readProcessedManifest(
  store: ObjectStore,
  bucket: string,
  runId: RunId,
): Promise<ProcessedRunManifest> {
  const key = runManifestKey(runId);
  const url = objectUrl(bucket, key);
  if ((await store.head(bucket, key)) === undefined) {
    throw new DataError(`${url} does not exist: run ${runId} is not transformed`, { code: "NO_MANIFEST" });
  }
  const body = await store.get(bucket, key);
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(body).toString("utf8"));
  } catch {
    throw new DataError(`${url} is not JSON`, { code: "BAD_MANIFEST" });
  }
  const parsed = ProcessedRunManifestSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "(manifest)"}: ${i.message}`);
    throw new DataError(`${url} is not a valid processed manifest: ${problems.slice(0, 5).join("; ")}`, {
      code: "BAD_MANIFEST",
    });
  }
  if (parsed.data.runId !== runId) {
    throw new DataError(`${url} names run ${parsed.data.runId}`, { code: "BAD_MANIFEST" });
  }
  return parsed.data;
}
