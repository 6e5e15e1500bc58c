import { DataError, TransientError } from "@etl/schemas";
import { describe, expect, it } from "vitest";
import { ObjectExistsError, ObjectNotFoundError, ObjectStoreError } from "../errors";
import { isNotFound, toObjectStoreError } from "./map-s3-error";

const sdkError = (name: string, status?: number, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(`${name} happened`), {
    name,
    $fault: status !== undefined && status >= 500 ? "server" : "client",
    $metadata: status === undefined ? {} : { httpStatusCode: status },
    ...extra,
  });

describe("toObjectStoreError", () => {
  it.each([
    ["SlowDown", 503, TransientError],
    ["InternalError", 500, TransientError],
    ["ServiceUnavailable", 503, TransientError],
    ["RequestTimeout", 400, TransientError],
    ["ConditionalRequestConflict", 409, TransientError],
    ["TooManyRequests", 429, TransientError],
    ["TimeoutError", undefined, TransientError],
    ["NoSuchKey", 404, ObjectNotFoundError],
    ["NotFound", 404, ObjectNotFoundError],
    ["NoSuchBucket", 404, ObjectNotFoundError],
    ["PreconditionFailed", 412, ObjectExistsError],
    ["AccessDenied", 403, ObjectStoreError],
    ["InvalidAccessKeyId", 403, ObjectStoreError],
    ["InvalidRequest", 400, ObjectStoreError],
  ])("maps %s (%s) to %s", (name, status, kind) => {
    const mapped = toObjectStoreError(sdkError(name, status), "get", "bucket", "raw/a.json");

    expect(mapped).toBeInstanceOf(kind);
    expect(mapped.message).toContain("s3://bucket/raw/a.json");
  });

  it.each(["ECONNRESET", "ECONNREFUSED", "ETIMEDOUT", "EPIPE", "EAI_AGAIN"])(
    "maps the network failure %s to a TransientError",
    (code) => {
      const mapped = toObjectStoreError(Object.assign(new Error("socket"), { code }), "put", "b", "k");

      expect(mapped).toBeInstanceOf(TransientError);
    },
  );

  it("names bucket, key and a hint for access denied", () => {
    const mapped = toObjectStoreError(sdkError("AccessDenied", 403), "head", "b", "k");

    expect(mapped.message).toBe(
      "head s3://b/k: access denied (AccessDenied); check the role's S3 permissions for this bucket and prefix" +
        " (without s3:ListBucket a missing key also reads as 403)",
    );
    expect(mapped).toMatchObject({ retryable: false, code: "ACCESS_DENIED", bucket: "b", key: "k" });
  });

  it("leaves the pipeline's own errors alone", () => {
    const own = new DataError("bad");

    expect(toObjectStoreError(own, "get", "b", "k")).toBe(own);
  });

  it("leaves an error that is no S3 response as it is", () => {
    const bug = new TypeError("not a function");

    expect(toObjectStoreError(bug, "get", "b", "k")).toBe(bug);
  });

  it("names the bucket alone for an operation on no key (a list)", () => {
    const mapped = toObjectStoreError(sdkError("NoSuchBucket", 404), "list", "landing");

    expect(mapped).toBeInstanceOf(ObjectNotFoundError);
    expect(mapped).toMatchObject({ bucket: "landing", key: undefined, code: "BUCKET_NOT_FOUND" });
    expect(mapped.message).toBe("list s3://landing/: no such bucket");
  });

  it("wraps a thrown value that is no Error, naming the operation and object", () => {
    const mapped = toObjectStoreError("socket hung up", "get", "b", "k");

    expect(mapped).toBeInstanceOf(Error);
    expect(mapped.message).toBe("get s3://b/k: socket hung up");
  });

  it("keeps the SDK error as the cause", () => {
    const original = sdkError("SlowDown", 503);

    expect(toObjectStoreError(original, "get", "b", "k").cause).toBe(original);
  });
});

describe("isNotFound", () => {
  it.each([
    [sdkError("NotFound", 404), true],
    [sdkError("NoSuchKey", 404), true],
    [sdkError("Unknown", 404), true],
    [sdkError("AccessDenied", 403), false],
    [new Error("x"), false],
  ])("%s is %s", (error, expected) => {
    expect(isNotFound(error)).toBe(expected);
  });
});
