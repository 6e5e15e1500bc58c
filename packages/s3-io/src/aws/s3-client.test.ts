import { describe, expect, it } from "vitest";
import { isLocalS3Server } from "./s3-client";

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
