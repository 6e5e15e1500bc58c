import { runManifestKey } from "@etl/s3-io";
import { createMemoryObjectStore } from "@etl/s3-io/testing";
import { DataError } from "@etl/schemas";
import { describe, expect, it } from "vitest";
import { putProcessedRun, starRowsOf } from "../../../test/support/processed-run";
import { readProcessedManifest } from "./read-manifest";

const BUCKET = "etl-processed";
const RUN = "20261123T141500123Z-00000001";
const OTHER = "20261124T141500123Z-00000002";

describe("readProcessedManifest", () => {
  it("reads the manifest of the run asked for", async () => {
    const store = createMemoryObjectStore();
    await putProcessedRun(store, BUCKET, RUN, { dim_currency: starRowsOf().dim_currency ?? [] });

    const manifest = await readProcessedManifest(store, BUCKET, RUN);

    expect(manifest.runId).toBe(RUN);
  });

  it.each([
    [
      "missing",
      undefined,
      "NO_MANIFEST",
      `s3://${BUCKET}/runs/${RUN}.json does not exist: run ${RUN} is not transformed`,
    ],
    ["not JSON", "{not json", "BAD_MANIFEST", `s3://${BUCKET}/runs/${RUN}.json is not JSON`],
    [
      "not a processed manifest",
      JSON.stringify({ schemaVersion: 1, kind: "processed" }),
      "BAD_MANIFEST",
      `s3://${BUCKET}/runs/${RUN}.json is not a valid processed manifest: `,
    ],
    ["an array", "[]", "BAD_MANIFEST", "(manifest): "],
  ])("refuses a manifest that is %s, as bad data", async (_name, body, code, message) => {
    const store = createMemoryObjectStore();
    if (body !== undefined) await store.put(BUCKET, runManifestKey(RUN), body);

    const read = readProcessedManifest(store, BUCKET, RUN);

    await expect(read).rejects.toBeInstanceOf(DataError);
    await expect(read).rejects.toMatchObject({
      code,
      retryable: false,
      message: expect.stringContaining(message),
    });
  });

  it("refuses a manifest that names another run", async () => {
    const store = createMemoryObjectStore();
    await putProcessedRun(store, BUCKET, OTHER, { dim_currency: starRowsOf().dim_currency ?? [] });
    await store.copy(BUCKET, runManifestKey(OTHER), runManifestKey(RUN));

    const read = readProcessedManifest(store, BUCKET, RUN);

    await expect(read).rejects.toMatchObject({
      code: "BAD_MANIFEST",
      message: `s3://${BUCKET}/runs/${RUN}.json names run ${OTHER}`,
    });
  });
});
