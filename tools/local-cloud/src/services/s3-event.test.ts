import { describe, expect, it } from "vitest";
import { decodeS3EventKey, encodeS3EventKey, toRealS3EventRecord } from "./s3-event";

const localRecord = {
  eventVersion: "2.0",
  eventSource: "aws:s3",
  awsRegion: "us-east-1",
  eventTime: "2026-11-23T10:00:00.000Z",
  eventName: "ObjectCreated:Post",
  userIdentity: { principalId: "AWS:ABC" },
  requestParameters: { sourceIPAddress: "127.0.0.1" },
  responseElements: { "x-amz-request-id": "1" },
  s3: {
    s3SchemaVersion: "1.0",
    configurationId: "testConfigId",
    bucket: { name: "landing", ownerIdentity: { principalId: "X" }, arn: "arn:aws:s3: : :landing" },
    object: { key: "landing/sales feed/Q1 (final)+v2.csv", size: 12, eTag: "abc", sequencer: "18F" },
  },
};

describe("encodeS3EventKey", () => {
  it.each([
    ["raw/address/2026/11/23/a.jsonl.gz", "raw/address/2026/11/23/a.jsonl.gz"],
    ["landing/my file.csv", "landing/my+file.csv"],
    ["landing/a+b.csv", "landing/a%2Bb.csv"],
    ["landing/x=1&y (2).csv", "landing/x%3D1%26y+%282%29.csv"],
    ["landing/café.csv", "landing/caf%C3%A9.csv"],
  ])("encodes %s as %s and decodes it back", (key, encoded) => {
    expect(encodeS3EventKey(key)).toBe(encoded);

    expect(decodeS3EventKey(encoded)).toBe(key);
  });
});

describe("toRealS3EventRecord", () => {
  it("rewrites the local server's record into the real S3 shape", () => {
    const record = toRealS3EventRecord(localRecord, { region: "eu-west-2", multipart: false });

    expect(record).toEqual({
      eventVersion: "2.1",
      eventSource: "aws:s3",
      awsRegion: "eu-west-2",
      eventTime: "2026-11-23T10:00:00.000Z",
      eventName: "ObjectCreated:Post",
      userIdentity: { principalId: "AWS:ABC" },
      requestParameters: { sourceIPAddress: "127.0.0.1" },
      responseElements: { "x-amz-request-id": "1" },
      s3: {
        s3SchemaVersion: "1.0",
        configurationId: "testConfigId",
        bucket: { name: "landing", ownerIdentity: { principalId: "X" }, arn: "arn:aws:s3:::landing" },
        object: {
          key: "landing/sales+feed/Q1+%28final%29%2Bv2.csv",
          size: 12,
          eTag: "abc",
          sequencer: "00000000000000018F",
        },
      },
    });
  });

  it("reports a completed multipart upload as CompleteMultipartUpload", () => {
    const record = toRealS3EventRecord(localRecord, { region: "eu-west-2", multipart: true });

    expect(record.eventName).toBe("ObjectCreated:CompleteMultipartUpload");
  });

  it("keeps a put a put when the request was multipart-shaped", () => {
    const put = { ...localRecord, eventName: "ObjectCreated:Put" };

    const record = toRealS3EventRecord(put, { region: "eu-west-2", multipart: true });

    expect(record.eventName).toBe("ObjectCreated:Put");
  });

  it("leaves out the size and ETag of a delete, as S3 does", () => {
    const deleted = {
      ...localRecord,
      eventName: "ObjectRemoved:Delete",
      s3: { ...localRecord.s3, object: { key: "landing/old file.csv", sequencer: "19A" } },
    };

    const record = toRealS3EventRecord(deleted, { region: "eu-west-2", multipart: false });

    expect(record.eventName).toBe("ObjectRemoved:Delete");
    expect(record.s3.object).toEqual({ key: "landing/old+file.csv", sequencer: "00000000000000019A" });
  });

  it("strips the quotes the local server keeps around an ETag", () => {
    const quoted = {
      ...localRecord,
      s3: { ...localRecord.s3, object: { ...localRecord.s3.object, eTag: '"d41d8cd9"' } },
    };

    const record = toRealS3EventRecord(quoted, { region: "eu-west-2", multipart: false });

    expect(record.s3.object.eTag).toBe("d41d8cd9");
  });
});
