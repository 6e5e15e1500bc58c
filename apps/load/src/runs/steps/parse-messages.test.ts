import { DataError } from "@etl/schemas";
import { describe, expect, it } from "vitest";
import { eventBridgeObjectCreated, s3Notification } from "../../../test/support/processed-run";
import { DirectLoadEventSchema, decodeS3EventKey, manifestRunIds } from "./parse-messages";

const BUCKET = "etl-processed";
const RUN = "20261123T141500123Z-00000042";

describe("manifestRunIds", () => {
  it.each([
    ["an S3 notification", s3Notification(BUCKET, `runs/${RUN}.json`), [RUN], []],
    ["an EventBridge Object Created event", eventBridgeObjectCreated(BUCKET, `runs/${RUN}.json`), [RUN], []],
    [
      "the S3 test event",
      JSON.stringify({ Service: "Amazon S3", Event: "s3:TestEvent", Bucket: BUCKET }),
      [],
      ["s3:TestEvent"],
    ],
    [
      "a star file",
      s3Notification(BUCKET, "star/dim_date/2026/11/23/x-0001.parquet"),
      [],
      ["star/dim_date/2026/11/23/x-0001.parquet is not a run manifest"],
    ],
    [
      "a COPY manifest",
      eventBridgeObjectCreated(BUCKET, `copy-manifests/${RUN}/fact_sales_order-1.manifest`),
      [],
      [`copy-manifests/${RUN}/fact_sales_order-1.manifest is not a run manifest`],
    ],
    [
      "another bucket",
      s3Notification("etl-ingest", `runs/${RUN}.json`),
      [],
      [`bucket etl-ingest is not ${BUCKET}`],
    ],
    [
      "a key with spaces",
      s3Notification(BUCKET, "runs/not a run.json"),
      [],
      ["runs/not a run.json is not a run manifest"],
    ],
  ])("reads %s", (_name, body, runIds, ignored) => {
    expect(manifestRunIds(body, BUCKET)).toEqual({ runIds, ignored });
  });

  it("ignores a deletion and keeps each run once", () => {
    const body = JSON.parse(s3Notification(BUCKET, `runs/${RUN}.json`));
    body.Records.push({ ...body.Records[0] }, { ...body.Records[0], eventName: "ObjectRemoved:Delete" });

    expect(manifestRunIds(JSON.stringify(body), BUCKET)).toEqual({
      runIds: [RUN],
      ignored: [`not a creation: runs/${RUN}.json`],
    });
  });

  it.each([["not json"], [JSON.stringify({ hello: "world" })], [JSON.stringify({ Records: [] })]])(
    "refuses %j as bad data",
    (body) => {
      expect(() => manifestRunIds(body, BUCKET)).toThrow(DataError);
    },
  );
});

describe("decodeS3EventKey", () => {
  it.each([
    ["runs/a+b.json", "runs/a b.json"],
    ["runs/a%2Bb.json", "runs/a+b.json"],
    ["landing/caf%C3%A9.csv", "landing/café.csv"],
  ])("decodes %s to %s", (encoded, key) => {
    expect(decodeS3EventKey(encoded)).toBe(key);
  });
});

describe("DirectLoadEventSchema", () => {
  it("accepts { runId } and nothing else", () => {
    expect(DirectLoadEventSchema.safeParse({ runId: RUN }).success).toBe(true);
    expect(DirectLoadEventSchema.safeParse({ runId: "yesterday" }).success).toBe(false);
    expect(DirectLoadEventSchema.safeParse({ runId: RUN, Records: [] }).success).toBe(false);
  });
});
