import { createMemoryObjectStore } from "@etl/s3-io/testing";
import { TransientError } from "@etl/schemas";
import { describe, expect, it } from "vitest";
import { OutputConflictError } from "../errors";
import { putImmutable, sha256Hex } from "./put-immutable";

const bytes = (text: string) => new Uint8Array(Buffer.from(text));

describe("putImmutable", () => {
  it("writes a new object with If-None-Match and reports its size and checksum", async () => {
    const store = createMemoryObjectStore();

    const written = await putImmutable(store, "b", "k", bytes("hello"));

    expect(written).toEqual({ key: "k", bytes: 5, sha256: sha256Hex(bytes("hello")) });
    expect(store.text("b", "k")).toBe("hello");
  });

  it.each([
    ["different bytes", "world"],
    ["the same bytes (its own put, retried after a lost response, looks the same)", "hello"],
  ])("refuses a key that holds %s, retryable: a retry draws a new attempt token", async (_case, text) => {
    const store = createMemoryObjectStore();
    await store.put("b", "k", "hello");

    const attempt = putImmutable(store, "b", "k", bytes(text));

    await expect(attempt).rejects.toBeInstanceOf(OutputConflictError);
    await expect(attempt).rejects.toMatchObject({ retryable: true, code: "OUTPUT_CONFLICT", key: "k" });
    expect(store.text("b", "k")).toBe("hello");
  });

  it("passes a transient failure on, retryable", async () => {
    const store = createMemoryObjectStore();
    store.failNextPut("k");

    const attempt = putImmutable(store, "b", "k", bytes("hello"));

    await expect(attempt).rejects.toBeInstanceOf(TransientError);
  });
});
