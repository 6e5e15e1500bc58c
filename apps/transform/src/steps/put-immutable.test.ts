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

    expect(written).toEqual({ key: "k", bytes: 5, sha256: sha256Hex(bytes("hello")), created: true });
    expect(store.text("b", "k")).toBe("hello");
  });

  it("keeps an object that already holds the same bytes (a put retried after a lost response)", async () => {
    const store = createMemoryObjectStore();
    await store.put("b", "k", "hello");

    const written = await putImmutable(store, "b", "k", bytes("hello"));

    expect(written.created).toBe(false);
  });

  it("refuses to overwrite different bytes, retryable (a retry draws a new attempt token)", async () => {
    const store = createMemoryObjectStore();
    await store.put("b", "k", "hello");

    const attempt = putImmutable(store, "b", "k", bytes("world"));

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
