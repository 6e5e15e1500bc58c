import { readFileSync } from "node:fs";
import { SqsSchema } from "@aws-lambda-powertools/parser/schemas";
import { describe, expect, it } from "vitest";
import { decodeS3EventKey, manifestRunIds } from "./s3-notifications";

const fixture = () =>
  SqsSchema.parse(
    JSON.parse(
      readFileSync(new URL("../../test/fixtures/sqs-s3-manifest-event.json", import.meta.url), "utf8"),
    ),
  );
const bodyOf = (index: number) => fixture().Records[index]?.body ?? "";
const BUCKET = "etl-ingest-example";

describe("manifestRunIds", () => {
  it("reads the run id of a manifest notification in a real SQS record", () => {
    const body = bodyOf(0);

    const result = manifestRunIds(body, BUCKET);

    expect(result).toEqual({ runIds: ["20240101T000000000Z-00000001"], ignored: [] });
  });

  it("ignores S3's test event", () => {
    const body = bodyOf(1);

    const result = manifestRunIds(body, BUCKET);

    expect(result).toEqual({ runIds: [], ignored: ["s3:TestEvent"] });
  });

  it("decodes keys (+ is a space) and ignores keys that are not run manifests", () => {
    const body = bodyOf(2);

    const result = manifestRunIds(body, BUCKET);

    expect(result).toEqual({
      runIds: [],
      ignored: ["runs/copy of 20240101T000000000Z-00000001.json is not a run manifest"],
    });
  });

  it("ignores other buckets and events that are not ObjectCreated", () => {
    const body = bodyOf(0);
    const removed = body.replace("ObjectCreated:Put", "ObjectRemoved:Delete");

    expect(manifestRunIds(body, "another-bucket").ignored).toEqual([
      "bucket etl-ingest-example is not another-bucket",
    ]);
    expect(manifestRunIds(removed, BUCKET).ignored).toEqual([
      "not a creation: runs/20240101T000000000Z-00000001.json",
    ]);
  });

  it.each([["not json"], ['{"hello":"world"}'], ['{"Records":[]}']])(
    "refuses the body %s as bad data",
    (body) => {
      const parse = () => manifestRunIds(body, BUCKET);

      expect(parse).toThrow(expect.objectContaining({ code: "BAD_NOTIFICATION", retryable: false }));
    },
  );
});

describe("decodeS3EventKey", () => {
  it.each([
    ["runs/a+b.json", "runs/a b.json"],
    ["runs/a%2Bb.json", "runs/a+b.json"],
    ["runs/caf%C3%A9.json", "runs/café.json"],
  ])("decodes %s to %s", (encoded, decoded) => {
    expect(decodeS3EventKey(encoded)).toBe(decoded);
  });
});
