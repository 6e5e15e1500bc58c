import { describe, expect, it } from "vitest";
import { awsTarget, createdRecordFor, type OperatorTarget, recentItems } from "./operator";

/** A target whose DynamoDB and S3 `send` answer with `answer`, recording each command's input. */
function fakeTarget(answer: (name: string, input: Record<string, unknown>) => unknown) {
  const sent: { name: string; input: Record<string, unknown> }[] = [];
  const client = {
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      sent.push({ name: command.constructor.name, input: command.input });
      return answer(command.constructor.name, command.input);
    },
  };
  const target = {
    kind: "local",
    env: {},
    region: "eu-west-2",
    s3: client,
    dynamo: client,
  } as unknown as OperatorTarget;
  return { target, sent };
}

describe("recentItems", () => {
  it("scans page by page and keeps the newest, by whichever time the item has", async () => {
    const { target, sent } = fakeTarget((_, input) =>
      input.ExclusiveStartKey
        ? { Items: [{ id: "c", attempt: "2026-11-23T12:00:00Z" }, { id: "d" }] }
        : {
            Items: [
              { id: "a", recordedAt: "2026-11-23T10:00:00Z" },
              { id: "b", at: "2026-11-23T11:00:00Z" },
            ],
            LastEvaluatedKey: { id: "b" },
          },
    );

    const items = await recentItems(target, "etl-audit", 3);

    expect(items.map((i) => i.id)).toEqual(["c", "b", "a"]);
    expect(sent).toEqual([
      { name: "ScanCommand", input: { TableName: "etl-audit", ExclusiveStartKey: undefined, Limit: 1000 } },
      { name: "ScanCommand", input: { TableName: "etl-audit", ExclusiveStartKey: { id: "b" }, Limit: 1000 } },
    ]);
  });

  it("stops after twenty pages of a table that keeps going", async () => {
    const { target, sent } = fakeTarget(() => ({ LastEvaluatedKey: { id: "more" } }));

    expect(await recentItems(target, "t", 5)).toEqual([]);
    expect(sent).toHaveLength(20);
  });
});

describe("createdRecordFor", () => {
  it("describes the object as S3's ObjectCreated record, from its head", async () => {
    const { target, sent } = fakeTarget(() => ({ ContentLength: 42, ETag: '"abc"' }));

    const record = await createdRecordFor(target, "b", "runs/a b.json");

    expect(sent).toEqual([{ name: "HeadObjectCommand", input: { Bucket: "b", Key: "runs/a b.json" } }]);
    expect(record).toMatchObject({
      awsRegion: "eu-west-2",
      eventName: "ObjectCreated:Put",
      s3: {
        bucket: { name: "b", arn: "arn:aws:s3:::b" },
        object: { key: "runs/a+b.json", size: 42, eTag: "abc" },
      },
    });
  });

  it("takes a head without size or ETag as empty", async () => {
    const { target } = fakeTarget(() => ({}));

    const record = await createdRecordFor(target, "b", "k");

    expect(record.s3.object).toMatchObject({ size: 0, eTag: "" });
  });
});

describe("awsTarget", () => {
  it("names every missing variable", () => {
    expect(() => awsTarget({ INGEST_BUCKET: "i", STATE_TABLE: "s" })).toThrow(
      "--aws needs PROCESSED_BUCKET, AUDIT_TABLE, FAILURE_TABLE in the environment (the functions' own variables)",
    );
  });

  it("uses the region given, else eu-west-2", () => {
    const names = {
      INGEST_BUCKET: "i",
      PROCESSED_BUCKET: "p",
      AUDIT_TABLE: "a",
      FAILURE_TABLE: "f",
      STATE_TABLE: "s",
    };

    expect(awsTarget({ ...names, AWS_REGION: "us-east-1" })).toMatchObject({
      kind: "aws",
      region: "us-east-1",
    });
    expect(awsTarget(names).region).toBe("eu-west-2");
  });
});
