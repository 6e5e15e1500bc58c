import { describe, expect, it } from "vitest";
import { DataError } from "./errors";
import { manifestRunIds, parseObjectNotifications } from "./events";

const RUN = "20261123T141500123Z-00000042";
const s3Body = (records: { bucket: string; key: string; eventName?: string }[]) =>
  JSON.stringify({
    Records: records.map((r) => ({
      eventSource: "aws:s3",
      eventName: r.eventName ?? "ObjectCreated:Put",
      s3: { bucket: { name: r.bucket }, object: { key: r.key, size: 3, eTag: '"abc"', sequencer: "01" } },
    })),
  });
const bridgeBody = (bucket: string, key: string) =>
  JSON.stringify({
    source: "aws.s3",
    "detail-type": "Object Created",
    detail: {
      bucket: { name: bucket },
      object: { key, size: 3, etag: "abc", "version-id": "v1", sequencer: "02" },
    },
  });

describe("parseObjectNotifications", () => {
  it.each([
    [
      "an S3 notification (key form-encoded)",
      s3Body([{ bucket: "b", key: "landing/my+file%2B1.csv" }]),
      "landing/my file+1.csv",
    ],
    [
      "an EventBridge Object Created event (key as is)",
      bridgeBody("b", "landing/my file+1.csv"),
      "landing/my file+1.csv",
    ],
  ])("reads %s", (_, body, key) => {
    const { objects } = parseObjectNotifications(body);

    expect(objects).toEqual([
      expect.objectContaining({ bucket: "b", key, created: true, size: 3, etag: "abc" }),
    ]);
  });

  it("ignores the S3 test event", () => {
    const body = JSON.stringify({ Service: "Amazon S3", Event: "s3:TestEvent", Bucket: "b" });

    expect(parseObjectNotifications(body)).toEqual({ objects: [], ignored: ["s3:TestEvent"] });
  });

  it.each([["not json"], ['{"Records":[]}'], ['{"hello":"world"}']])("refuses %s as bad data", (body) => {
    expect(() => parseObjectNotifications(body)).toThrow(DataError);
  });
});

describe("manifestRunIds", () => {
  it("keeps created run manifests of the bucket, once each, and says why it left the rest", () => {
    const body = s3Body([
      { bucket: "b", key: `runs/${RUN}.json` },
      { bucket: "b", key: `runs/${RUN}.json` },
      { bucket: "other", key: `runs/${RUN}.json` },
      { bucket: "b", key: "raw/address/x.jsonl.gz" },
      { bucket: "b", key: `runs/${RUN}.json`, eventName: "ObjectRemoved:Delete" },
    ]);

    expect(manifestRunIds(body, "b")).toEqual({
      runIds: [RUN],
      ignored: [
        "bucket other is not b",
        "raw/address/x.jsonl.gz is not a run manifest",
        `not a creation: runs/${RUN}.json`,
      ],
    });
  });
});
