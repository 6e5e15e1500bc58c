import { ListBucketsCommand, S3Client } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { startMoto } from "../../src/testing/moto";

describe("startMoto", () => {
  it("starts a moto_server that answers AWS calls, and stops it", async () => {
    const moto = await startMoto();
    const s3 = new S3Client({
      endpoint: moto.endpoint,
      region: moto.region,
      credentials: moto.credentials,
      forcePathStyle: true,
    });

    try {
      const listed = await s3.send(new ListBucketsCommand({}));
      expect(listed.Buckets ?? []).toEqual([]);
    } finally {
      await moto.stop();
    }

    await expect(fetch(`${moto.endpoint}/moto-api/`)).rejects.toThrow();
  });

  it("says how to install moto_server when it is not on the PATH", async () => {
    const path = process.env.PATH;
    process.env.PATH = "/nonexistent";
    try {
      await expect(startMoto()).rejects.toThrow(/could not be started .*pip install "moto\[server\]"/);
    } finally {
      process.env.PATH = path;
    }
  });
});
