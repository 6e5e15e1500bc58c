import { Readable } from "node:stream";
import { TransientError } from "@etl/schemas";
import { describe, expect, it } from "vitest";
import { ObjectNotFoundError, objectUrl } from "../errors";
import { createMemoryObjectStore } from "./memory-object-store";

describe("the in-memory object store's options and injected failures", () => {
  it("fails the next call of an operation on any key when no matcher is given", async () => {
    const store = createMemoryObjectStore();
    store.failNext("get");
    await store.put("b", "k", "v");

    await expect(store.get("b", "k")).rejects.toThrow(new TransientError("injected get failure"));
    expect(store.text("b", "k")).toBe("v");
    expect(Buffer.from(await store.get("b", "k")).toString()).toBe("v");
  });

  it("fails with the error a test chose, for put and putStream alike", async () => {
    const store = createMemoryObjectStore();
    const chosen = new Error("disk full");
    store.failNextPut((_bucket, key) => key.endsWith(".gz"), chosen);
    store.failNext("copy", "a", new Error("copy refused"));

    await expect(store.putStream("b", "x.gz", Readable.from(["a"]))).rejects.toBe(chosen);
    await expect(store.copy("b", "a", "c")).rejects.toThrow("copy refused");
    await expect(store.put("b", "x.gz", "now")).resolves.toMatchObject({ key: "x.gz", size: 3 });
  });

  it("keeps the content type, encoding and metadata a put gave, and joins streamed text chunks", async () => {
    const store = createMemoryObjectStore({ clock: () => new Date("2026-01-01T00:00:00Z") });

    await store.putStream("b", "k", Readable.from(["ab", Buffer.from("cd")]), {
      contentType: "application/json",
      contentEncoding: "gzip",
      metadata: { run: "1" },
    });

    expect(store.objects("b")).toEqual([
      expect.objectContaining({
        key: "k",
        contentType: "application/json",
        contentEncoding: "gzip",
        metadata: { run: "1" },
        lastModified: new Date("2026-01-01T00:00:00Z"),
      }),
    ]);
    expect(store.text("b", "k")).toBe("abcd");
  });

  it("copies an object into another bucket", async () => {
    const store = createMemoryObjectStore();
    await store.put("from", "k", "body");

    await store.copy("from", "k", "k2", "to");

    expect(store.text("to", "k2")).toBe("body");
    expect(store.objects("from").map((o) => o.key)).toEqual(["k"]);
  });

  it("has no objects and no text in a bucket it never saw", () => {
    const store = createMemoryObjectStore();

    expect(store.objects("nowhere")).toEqual([]);
    expect(store.text("nowhere", "k")).toBeUndefined();
  });

  it("with a fixed list of buckets, a call to another fails like a missing bucket", async () => {
    const store = createMemoryObjectStore({ buckets: ["known"] });

    const error = await store.head("other", "k").catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ObjectNotFoundError);
    expect(await store.head("known", "k")).toBeUndefined();
  });
});

describe("objectUrl", () => {
  it("names a bucket alone or an object in it", () => {
    expect(objectUrl("b")).toBe("s3://b/");
    expect(objectUrl("b", "k/1")).toBe("s3://b/k/1");
  });
});
