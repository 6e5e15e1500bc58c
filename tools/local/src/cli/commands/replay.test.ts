import { describe, expect, it } from "vitest";
import { UsageError } from "../command";
import { replayObject } from "./replay";

const RUN = "20261123T141500123Z-00000042";
const ENV = { INGEST_BUCKET: "ingest-b", PROCESSED_BUCKET: "processed-b", LANDING_BUCKET: "landing-b" };

describe("replayObject", () => {
  it("a run id names its ingest manifest, or its processed manifest when it blocks the load", () => {
    expect(replayObject(RUN, ENV, undefined)).toEqual({
      kind: "ingest",
      bucket: "ingest-b",
      key: `runs/${RUN}.json`,
    });
    expect(replayObject(RUN, ENV, "transform")).toEqual({
      kind: "ingest",
      bucket: "ingest-b",
      key: `runs/${RUN}.json`,
    });
    expect(replayObject(RUN, ENV, "load")).toEqual({
      kind: "processed",
      bucket: "processed-b",
      key: `runs/${RUN}.json`,
    });
  });

  it("an s3:// URL is routed by its bucket", () => {
    expect(replayObject(`s3://processed-b/runs/${RUN}.json`, ENV, undefined).kind).toBe("processed");
    expect(replayObject("s3://landing-b/landing/rates/a.csv", ENV, undefined)).toEqual({
      kind: "landing",
      bucket: "landing-b",
      key: "landing/rates/a.csv",
    });
  });

  it.each([
    [
      "run-7",
      '"run-7" is neither a run id (like 20261123T141500123Z-00000042) nor s3://bucket/key; `etl status` lists the runs',
    ],
    ["s3://only-bucket", "s3://only-bucket is not s3://bucket/key"],
    [
      "s3://other/runs/x.json",
      "other is not a bucket the pipeline watches: ingest-b (ingest), processed-b (processed), landing-b (landing)",
    ],
    [
      "s3://landing-b/elsewhere/a.csv",
      "only keys under landing/ in landing-b are loaded by the rules, not elsewhere/a.csv",
    ],
    [
      "s3://ingest-b/runs/notes.txt",
      "only run manifests (runs/<runId>.json) in ingest-b start a stage, not runs/notes.txt",
    ],
  ])("refuses %s as a usage error", (what, message) => {
    expect(() => replayObject(what, ENV, undefined)).toThrow(new UsageError(message));
  });

  it("lists only the buckets that are set among those watched", () => {
    expect(() => replayObject("s3://x/runs/a.json", { INGEST_BUCKET: "i" }, undefined)).toThrow(
      "x is not a bucket the pipeline watches: i (ingest)",
    );
  });
});
