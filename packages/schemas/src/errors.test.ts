import { describe, expect, it } from "vitest";
import { DataError, isRetryable, TransientError } from "./errors";

describe("TransientError", () => {
  it("carries no retry hint by default", () => {
    const error = new TransientError("throttled");

    expect(error.retryAfterSeconds).toBeUndefined();
    expect(isRetryable(error)).toBe(true);
    expect(error.code).toBe("TRANSIENT");
  });

  it("carries a retry hint in whole seconds, rounded up and never negative", () => {
    expect(new TransientError("busy", { code: "BUSY", retryAfterSeconds: 59.2 }).retryAfterSeconds).toBe(60);
    expect(new TransientError("busy", { retryAfterSeconds: -3 }).retryAfterSeconds).toBe(0);
    expect(new DataError("bad")).not.toHaveProperty("retryAfterSeconds");
  });
});
