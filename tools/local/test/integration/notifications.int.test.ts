import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { cloud, freshBucket, localS3Client } from "@etl/local-cloud/testing";
import { afterAll, describe, expect, it } from "vitest";
import { deliverS3Events, FileQueue } from "../../src/runtime";

const dir = mkdtempSync(join(tmpdir(), "etl-notify-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("deliverS3Events", () => {
  it("routes real-shaped S3 and EventBridge notifications by bucket, prefix and suffix", async () => {
    const s3 = localS3Client();
    const bucket = await freshBucket(s3, "notify");
    const transform = new FileQueue(join(dir, "transform"), "transform");
    const load = new FileQueue(join(dir, "load"), "load.fifo");
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "raw/address/part 1.jsonl.gz", Body: "x" }));
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: "runs/20261123T141500123Z-00000001.json", Body: "{}" }),
    );

    deliverS3Events(cloud().eventsDir, [
      { bucket, prefix: "runs/", suffix: ".json", queue: transform, shape: "s3" },
      { bucket, prefix: "runs/", suffix: ".json", queue: load, shape: "eventbridge", groupId: "warehouse" },
      { bucket: "other-bucket", queue: transform, shape: "s3" },
    ]);
    const s3Bodies = transform.receive(10).map((m) => JSON.parse(m.body));
    const ebMessages = load.receive(10);

    expect(s3Bodies).toHaveLength(1);
    expect(s3Bodies[0].Records[0].s3.object.key).toBe("runs/20261123T141500123Z-00000001.json");
    expect(s3Bodies[0].Records[0].eventName).toBe("ObjectCreated:Put");
    expect(ebMessages).toHaveLength(1);
    expect(ebMessages[0]?.groupId).toBe("warehouse");
    expect(JSON.parse(ebMessages[0]?.body ?? "{}")).toMatchObject({
      "detail-type": "Object Created",
      source: "aws.s3",
      resources: [`arn:aws:s3:::${bucket}`],
      detail: {
        bucket: { name: bucket },
        object: { key: "runs/20261123T141500123Z-00000001.json" },
        reason: "PutObject",
      },
    });
  });
});
