import { createMemoryObjectStore } from "@etl/s3-io/testing";
import { describe, expect, it } from "vitest";
import { findPreviousRunId, readRawManifest } from "./run-manifests";

async function storeWith(runIds: string[]) {
  const store = createMemoryObjectStore();
  for (const id of runIds) await store.put("ingest", `runs/${id}.json`, "{}");
  await store.put("ingest", "runs/not-a-run.json", "{}");
  return store;
}

describe("findPreviousRunId", () => {
  it.each([
    ["the same day", "20240102T120000000Z-00000005", "20240102T100000000Z-00000004"],
    ["an earlier day", "20240102T090000000Z-00000004", "20240101T235959999Z-00000003"],
    ["an earlier year", "20240101T000000000Z-00000002", "20231231T120000000Z-00000001"],
    ["none for the first run", "20231231T120000000Z-00000001", undefined],
  ])("finds the newest smaller run id on %s", async (_name, runId, expected) => {
    const store = await storeWith([
      "20231231T120000000Z-00000001",
      "20240101T000000000Z-00000002",
      "20240101T235959999Z-00000003",
      "20240102T100000000Z-00000004",
      "20240102T120000000Z-00000005",
      "20240103T000000000Z-00000006",
    ]);

    const previous = await findPreviousRunId(store, "ingest", runId);

    expect(previous).toBe(expected);
  });
});

describe("readRawManifest", () => {
  it("refuses a manifest that is not valid", async () => {
    const store = await storeWith(["20240101T000000000Z-00000002"]);

    const attempt = readRawManifest(store, "ingest", "20240101T000000000Z-00000002");

    await expect(attempt).rejects.toMatchObject({ code: "BAD_MANIFEST", retryable: false });
  });
});
