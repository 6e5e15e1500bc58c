import { describe, expect, it } from "vitest";
import { isTransientSdkError } from "./sdk-errors";

const sdk = (name: string, status?: number, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(name), {
    name,
    ...(status ? { $metadata: { httpStatusCode: status } } : {}),
    ...extra,
  });

describe("isTransientSdkError", () => {
  it.each([
    ["throttling", sdk("ThrottlingException", 400)],
    ["S3 slow down", sdk("SlowDown", 503)],
    ["DynamoDB throughput", sdk("ProvisionedThroughputExceededException", 400)],
    ["a 500", sdk("Whatever", 500)],
    ["a 429", sdk("Whatever", 429)],
    ["a reset connection", Object.assign(new Error("socket hang up"), { code: "ECONNRESET" })],
    ["an SDK-retryable error", sdk("Odd", 400, { $retryable: {} })],
  ])("retries %s", (_, error) => {
    expect(isTransientSdkError(error)).toBe(true);
  });

  it.each([
    ["access denied", sdk("AccessDeniedException", 403)],
    ["a missing table", sdk("ResourceNotFoundException", 400)],
    ["a missing key", sdk("NoSuchKey", 404)],
    ["a validation error", sdk("ValidationException", 400)],
    ["a plain error", new Error("bad")],
  ])("does not retry %s", (_, error) => {
    expect(isTransientSdkError(error)).toBe(false);
  });
});
