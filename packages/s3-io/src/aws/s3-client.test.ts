import { describe, expect, it } from "vitest";
import { createObjectStoreFromEnv, createS3Client, isLocalS3Server } from "./s3-client";

describe("isLocalS3Server", () => {
  it("is true only when ETL_LOCAL_S3 names s3rver", () => {
    expect(isLocalS3Server({ ETL_LOCAL_S3: "s3rver" })).toBe(true);
    expect(isLocalS3Server({ S3_ENDPOINT: "http://127.0.0.1:4569" })).toBe(false);
    expect(isLocalS3Server({ S3_ENDPOINT: "http://127.0.0.1:4569", ETL_LOCAL_S3: "" })).toBe(false);
  });

  it("refuses a value it does not understand, naming the variable", () => {
    expect(() => isLocalS3Server({ ETL_LOCAL_S3: "true" })).toThrow(
      'ETL_LOCAL_S3="true" is not understood: set it to "s3rver" for the local s3rver, or leave it unset',
    );
  });
});

describe("createS3Client", () => {
  it("uses the SDK's own endpoint and virtual-hosted addressing without an endpoint", async () => {
    const client = createS3Client({ region: "eu-west-2" });

    expect(client.config.forcePathStyle).not.toBe(true);
    expect(await client.config.region()).toBe("eu-west-2");
    expect(client.config.isCustomEndpoint).toBe(false);
  });

  it("addresses the local server by path, with the local credentials", async () => {
    const client = createS3Client({ region: "eu-west-2", endpoint: "http://127.0.0.1:4569" });

    expect(client.config.forcePathStyle).toBe(true);
    expect(client.config.isCustomEndpoint).toBe(true);
    expect(await client.config.credentials()).toMatchObject({ accessKeyId: expect.any(String) });
  });
});

describe("createObjectStoreFromEnv", () => {
  it("builds a store for S3 itself when no endpoint is set, ignoring ETL_LOCAL_S3", () => {
    expect(() => createObjectStoreFromEnv({ AWS_REGION: "eu-west-2", ETL_LOCAL_S3: "s3rver" })).not.toThrow();
  });

  it("refuses an ETL_LOCAL_S3 it does not understand next to an endpoint", () => {
    expect(() =>
      createObjectStoreFromEnv({
        AWS_REGION: "eu-west-2",
        S3_ENDPOINT: "http://127.0.0.1:4569",
        ETL_LOCAL_S3: "yes",
      }),
    ).toThrow("ETL_LOCAL_S3");
  });
});
