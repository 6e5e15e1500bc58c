import { readFileSync } from "node:fs";
import { DataError } from "@etl/schemas";
import { describe, expect, it } from "vitest";
import { decodeEventKey, landedObjects } from "./landed-objects";

const BUCKET = "etl-landing-example";

function fixtureBodies(): string[] {
  const text = readFileSync(
    new URL("../../../test/fixtures/files/sqs-s3-landed-event.json", import.meta.url),
    "utf8",
  );
  return (JSON.parse(text) as { Records: { body: string }[] }).Records.map((r) => r.body);
}

const notification = (key: string, eventName = "ObjectCreated:Put", bucket = BUCKET) =>
  JSON.stringify({
    Records: [
      { eventSource: "aws:s3", eventName, s3: { bucket: { name: bucket }, object: { key, eTag: '"e1"' } } },
    ],
  });

describe("decodeEventKey", () => {
  it.each([
    ["landing/my+file.csv", "landing/my file.csv"],
    ["landing/a%2Bb.csv", "landing/a+b.csv"],
    ["landing/x%27%3Bdrop+table+t%3B--.csv", "landing/x';drop table t;--.csv"],
    ["landing/caf%C3%A9.csv", "landing/café.csv"],
  ])("%s is %s", (encoded, key) => {
    expect(decodeEventKey(encoded)).toBe(key);
  });
});

describe("landedObjects", () => {
  it("ignores the test event and reads the real-shape notification with its key decoded", () => {
    const [test, csv] = fixtureBodies();

    expect(landedObjects(test ?? "", BUCKET)).toEqual({ objects: [], ignored: ["s3:TestEvent"] });
    expect(landedObjects(csv ?? "", BUCKET).objects).toEqual([
      {
        bucket: BUCKET,
        key: "landing/sales/Q1 report (final)+v2.csv",
        size: 120,
        etag: "9b2cf535f27731c974343645a3985328",
        sequencer: "0055AED6DCD90281E5",
      },
    ]);
  });

  it.each([
    ["another bucket", notification("landing/a.csv", "ObjectCreated:Put", "other"), "bucket other is not"],
    ["a key outside landing/", notification("archive/a.csv"), "archive/a.csv is not under landing/"],
    ["a folder marker", notification("landing/feed/"), "landing/feed/ is a folder marker"],
    ["a deletion", notification("landing/a.csv", "ObjectRemoved:Delete"), "not a creation"],
    ["an undecodable key", notification("landing/%E0%A4%A.csv"), "undecodable key"],
  ])("ignores %s", (_, body, reason) => {
    const result = landedObjects(body, BUCKET);

    expect(result.objects).toEqual([]);
    expect(result.ignored.join()).toContain(reason);
  });

  it("reads an EventBridge Object Created event with its version id", () => {
    const body = JSON.stringify({
      source: "aws.s3",
      "detail-type": "Object Created",
      detail: {
        bucket: { name: BUCKET },
        object: { key: "landing/a b.csv", size: 5, etag: "e2", "version-id": "v9", sequencer: "01" },
      },
    });

    expect(landedObjects(body, BUCKET).objects).toEqual([
      { bucket: BUCKET, key: "landing/a b.csv", size: 5, etag: "e2", versionId: "v9", sequencer: "01" },
    ]);
  });

  it.each([
    ["not JSON", "nope"],
    ["another JSON shape", '{"hello":1}'],
  ])("refuses a body that is %s", (_, body) => {
    expect(() => landedObjects(body, BUCKET)).toThrow(DataError);
  });
});
