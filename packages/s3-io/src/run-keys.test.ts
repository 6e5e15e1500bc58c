import { describe, expect, it } from "vitest";
import {
  keySetKey,
  quarantineKey,
  rawDataKey,
  rawDeletionsKey,
  runDatePath,
  runIdFromManifestKey,
  runManifestKey,
  runSequence,
  toRunId,
} from "./keys";

const RUN = "20261123T141500123Z-00000042";

describe("run keys", () => {
  it("a run id is the zero-padded UTC start to the millisecond and an eight-digit sequence", () => {
    const startedAt = new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6));

    const runId = toRunId(startedAt, 7);

    expect(runId).toBe("20260102T030405006Z-00000007");
  });

  it("reads the date partition and the sequence back from a run id", () => {
    expect(runDatePath(RUN)).toBe("2026/11/23");
    expect(runSequence(RUN)).toBe(42);
  });

  it("refuses a run id of another shape", () => {
    expect(() => runDatePath("2026-11-23")).toThrow(/run id must look like/);
    expect(() => runManifestKey("../runs/x")).toThrow(/run id must look like/);
  });

  it.each([
    ["raw data", () => rawDataKey("currency", RUN, 3), `raw/currency/2026/11/23/${RUN}-0003.jsonl.gz`],
    ["raw deletions", () => rawDeletionsKey("staff", RUN), `raw/staff/2026/11/23/${RUN}-deleted.jsonl.gz`],
    ["key set", () => keySetKey("sales_order", RUN), `keys/sales_order/${RUN}.keys.gz`],
    ["a manifest", () => runManifestKey(RUN), `runs/${RUN}.json`],
    [
      "a quarantined input",
      () => quarantineKey("ingest", RUN, "bad.json"),
      `quarantine/ingest/${RUN}/bad.json`,
    ],
  ])("lays out the key of %s", (_what, key, expected) => {
    expect(key()).toBe(expected);
  });

  it.each([
    [`runs/${RUN}.json`, RUN],
    ["runs/not-a-run.json", undefined],
    [`runs/${RUN}.jsonl`, undefined],
    [`raw/runs/${RUN}.json`, undefined],
    ["runs/.json", undefined],
  ])("the run id of manifest key %s is %s", (key, expected) => {
    expect(runIdFromManifestKey(key)).toBe(expected);
  });
});
